import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const METRICS_TOKEN = 'scrape-secret-0123456789';

async function getJson(
  url: string,
): Promise<{ status: number; body: unknown; response: Response }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json(), response };
}

describe('health endpoints', () => {
  let dir: TempDir;
  const servers: TestServer[] = [];

  before(async () => {
    dir = await makeTempDir('health');
    servers.push(await startTestServer());
    servers.push(await startTestServer({ '--store': `sqlite:${join(dir.path, 'health.db')}` }));
  });

  after(async () => {
    for (const server of servers) await server.close();
    await dir?.remove();
  });

  it('reports alive and ready with the memory and SQLite stores', async () => {
    for (const server of servers) {
      const kind = server.services.store.kind;
      assert.deepEqual((await getJson(`${server.url}/healthz`)).body, { status: 'ok' });
      const ready = await getJson(`${server.url}/readyz`);
      assert.equal(ready.status, 200, kind);
      assert.deepEqual(ready.body, { status: 'ready', store: kind });
    }
  });

  it('answers HEAD on the probes, as some load balancers send it', async () => {
    const [server] = servers;
    assert.ok(server);
    for (const path of ['/healthz', '/readyz']) {
      const response = await fetch(`${server.url}${path}`, { method: 'HEAD' });
      assert.equal(response.status, 200, path);
    }
  });
});

describe('health endpoints when the store fails', () => {
  let dir: TempDir;
  let server: TestServer;

  before(async () => {
    dir = await makeTempDir('health-down');
    server = await startTestServer({ '--store': `sqlite:${join(dir.path, 'down.db')}` });
  });

  after(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('stays alive but not ready, with one 503 per probe and no error line per probe', async () => {
    await server.services.store.close();
    const fromLine = server.logs.lines.length;

    for (let probe = 0; probe < 3; probe += 1) {
      const ready = await getJson(`${server.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body, { error: 'Service unavailable' });
      assert.ok(ready.response.headers.get('retry-after'));
      assert.equal((await getJson(`${server.url}/healthz`)).status, 200);
    }

    const errors = server.logs
      .records()
      .slice(fromLine)
      .filter((record) => Number(record.level) >= 50);
    assert.deepEqual(errors, []);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^tokenauth_store_up\{store="sqlite"\} 0$/m);
  });
});

describe('/metrics', () => {
  let open: TestServer;
  let guarded: TestServer;

  before(async () => {
    open = await startTestServer();
    guarded = await startTestServer({ '--metrics-token': METRICS_TOKEN });
  });

  after(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('serves the Prometheus text format with tokenauth_ metrics', async () => {
    await loginOpen(open.url);
    await fetch(`${open.url}/readyz`);

    const response = await fetch(`${open.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^# TYPE tokenauth_security_events_total counter$/m);
    assert.match(
      text,
      /^tokenauth_security_events_total\{event="login_succeeded",outcome="success"\} 1$/m,
    );
    assert.match(text, /^tokenauth_store_up\{store="memory"\} 1$/m);
    assert.match(text, /^tokenauth_live_tokens\{store="memory"\} 1$/m);
    assert.match(text, /^# TYPE tokenauth_http_request_duration_seconds histogram$/m);
  });

  it('refuses a scrape without the configured bearer secret', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}X` },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: METRICS_TOKEN },
      { authorization: `Basic ${METRICS_TOKEN}` },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${guarded.url}/metrics`, { headers });
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.deepEqual(await response.json(), { error: 'Invalid client credentials' });
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
    }
    assert.doesNotMatch(guarded.logs.text, new RegExp(METRICS_TOKEN));
  });

  it('serves a scrape that presents the bearer secret', async () => {
    const response = await fetch(`${guarded.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /tokenauth_security_events_total/);
  });

  it('keeps the probes open when /metrics is guarded', async () => {
    assert.equal((await fetch(`${guarded.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${guarded.url}/readyz`)).status, 200);
  });
});
