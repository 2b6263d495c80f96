import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { form, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const METRICS_TOKEN = 'scrape-secret-0123456789';

/** The value of one sample line, or undefined when the line is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{${labels}} `)) return Number(line.slice(line.lastIndexOf(' ')));
  }
  return undefined;
}

const EVENTS = 'tokenauth_security_events_total';

describe('metrics', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  async function scrape(): Promise<string> {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return response.text();
  }

  it('serves the Prometheus text format with help and type lines', async () => {
    const text = await scrape();
    for (const name of [
      EVENTS,
      'tokenauth_http_request_duration_seconds',
      'tokenauth_live_tokens',
      'tokenauth_store_up',
    ]) {
      assert.match(text, new RegExp(`^# HELP ${name} `, 'm'));
      assert.match(text, new RegExp(`^# TYPE ${name} (counter|histogram|gauge)$`, 'm'));
    }
  });

  it('counts login successes and rejected tokens as they happen', async () => {
    const before = await scrape();
    await loginOpen(server.url);
    await fetch(`${server.url}/me`, { headers: { authorization: 'Bearer nope' } });
    const afterText = await scrape();

    const succeeded = 'event="login_succeeded",outcome="success"';
    const rejected = 'event="token_rejected",outcome="failure"';
    assert.equal(
      sample(afterText, EVENTS, succeeded),
      (sample(before, EVENTS, succeeded) ?? 0) + 1,
    );
    assert.equal(sample(afterText, EVENTS, rejected), (sample(before, EVENTS, rejected) ?? 0) + 1);
  });

  it('counts a validation failure and nothing else for a malformed body', async () => {
    const before = await scrape();
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      body: 'id=a&id=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.status, 400);
    const afterText = await scrape();

    const eventLines = (text: string) =>
      text.split('\n').filter((line) => line.startsWith(`${EVENTS}{`));
    const changed = eventLines(afterText).filter((line) => !eventLines(before).includes(line));
    assert.equal(changed.length, 1, changed.join('\n'));
    assert.match(changed[0] ?? '', /event="validation_failed",outcome="failure"/);
  });

  it('keeps a latency histogram per route, method and status', async () => {
    await fetch(`${server.url}/login`, { method: 'POST', ...form({ id: 'histogram-user' }) });
    const text = await scrape();
    assert.match(
      text,
      /^tokenauth_http_request_duration_seconds_bucket\{le="0\.0005",route="\/login",method="POST",status="200"\} \d+$/m,
    );
    assert.match(
      text,
      /^tokenauth_http_request_duration_seconds_count\{route="\/login",method="POST",status="400"\} \d+$/m,
    );
  });

  it('reports the live tokens of the store and that the store is up', async () => {
    const text = await scrape();
    assert.equal(
      sample(text, 'tokenauth_live_tokens', 'store="memory"'),
      await server.services.store.countTokens(),
    );
    assert.equal(sample(text, 'tokenauth_store_up', 'store="memory"'), 1);
  });

  it('never shows a token, a digest or an id in the metrics', async () => {
    const token = await loginOpen(server.url, 'metrics-canary-user');
    const text = await scrape();
    assert.ok(!text.includes(token));
    assert.ok(!text.includes('metrics-canary-user'));
  });
});

describe('metrics of a failed store', () => {
  let dir: TempDir;
  let server: TestServer;

  before(async () => {
    dir = await makeTempDir('metrics');
    server = await startTestServer({ '--store': `sqlite:${join(dir.path, 'auth.db')}` });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it('reports the store down and counts the store failure', async () => {
    await server.services.store.close();
    const response = await fetch(`${server.url}/login`, { method: 'POST', ...form({ id: 'a' }) });
    assert.equal(response.status, 503);

    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(sample(text, 'tokenauth_store_up', 'store="sqlite"'), 0);
    assert.equal(sample(text, EVENTS, 'event="store_failed",outcome="failure"'), 1);
  });
});

describe('metrics behind a bearer secret', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ '--metrics-token': METRICS_TOKEN });
  });
  after(() => server.close());

  it('refuses a scrape without the secret', async () => {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 401);
    assert.equal(await response.text(), '{"error":"Invalid client credentials"}');
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
  });

  it('refuses a scrape with a wrong secret', async () => {
    const response = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    assert.equal(response.status, 401);
  });

  it('serves the metrics to a scrape with the secret', async () => {
    const response = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /tokenauth_store_up\{store="memory"\} 1/);
  });

  it('never writes the secret to the log', () => {
    assert.ok(!server.logs.text.includes(METRICS_TOKEN));
  });
});

describe('metrics on a port of their own', () => {
  let server: TestServer;
  let metricsUrl: string;

  before(async () => {
    server = await startTestServer({ '--metrics-port': '0', '--metrics-token': METRICS_TOKEN });
    assert.ok(server.metricsUrl, 'the server reports where its metrics listener is');
    metricsUrl = server.metricsUrl;
  });
  after(() => server.close());

  const scrapeHeaders = { authorization: `Bearer ${METRICS_TOKEN}` };

  it('listens on another port than the API', () => {
    assert.notEqual(new URL(metricsUrl).port, new URL(server.url).port);
  });

  it('serves the figures of the API port, which has no /metrics', async () => {
    await loginOpen(server.url, 'metrics-port-user');
    const response = await fetch(`${metricsUrl}/metrics`, { headers: scrapeHeaders });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.equal(sample(text, EVENTS, 'event="login_succeeded",outcome="success"'), 1);

    const onApi = await fetch(`${server.url}/metrics`, { headers: scrapeHeaders });
    assert.equal(onApi.status, 404);
    assert.deepEqual(await onApi.json(), { error: 'Not found' });
  });

  it('keeps the bearer secret on its own port', async () => {
    const response = await fetch(`${metricsUrl}/metrics`);
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { error: 'Invalid client credentials' });
  });

  it('answers nothing but /metrics', async () => {
    for (const path of ['/', '/login', '/healthz']) {
      const response = await fetch(`${metricsUrl}${path}`, { headers: scrapeHeaders });
      assert.equal(response.status, 404, path);
      assert.deepEqual(await response.json(), { error: 'Not found' });
    }
  });

  it('closes with the server', async () => {
    const stopped = await startTestServer({ '--metrics-port': '0' });
    const url = stopped.metricsUrl ?? '';
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
    await stopped.close();
    await assert.rejects(fetch(`${url}/metrics`));
  });
});
