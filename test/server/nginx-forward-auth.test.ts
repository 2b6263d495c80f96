import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DOCUMENTED_GATEWAY,
  type NginxHandle,
  nginxAvailability,
  renderGatewayConfig,
  startNginx,
} from '../helpers/nginx.js';
import { rawRequest } from '../helpers/raw-http.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { form, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const DOC_PATH = join(import.meta.dirname, '../../../docs/gateways.md');
const nginx = nginxAvailability();

/** What reached the protected application. */
interface Arrival {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

/** A tiny application behind nginx that records every request it receives. */
async function startUpstream(): Promise<{ server: Server; address: string; arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      arrivals.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body: Buffer.concat(parts).toString('utf8'),
      });
      response.setHeader('content-type', 'text/plain');
      response.end('hello from the application');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, address: `127.0.0.1:${port}`, arrivals };
}

function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] ?? '');
  }
  return values;
}

describe('tokenauth behind a real nginx (auth_request)', { skip: nginx.reason }, () => {
  let dir: TempDir;
  let tokenauth: TestServer;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: NginxHandle;

  before(async () => {
    dir = await makeTempDir('nginx-auth');
    tokenauth = await startTestServer({
      '--store': `sqlite:${join(dir.path, 'tokens.db')}`,
      '--trusted-proxy': '127.0.0.1',
    });
    upstream = await startUpstream();
    gateway = await startNginx({
      tokenauth: new URL(tokenauth.url).host,
      app: upstream.address,
    });
  });

  after(async () => {
    await gateway?.stop();
    await new Promise((resolve) => upstream?.server.close(resolve));
    await tokenauth?.close();
    await dir?.remove();
  });

  /** Sends one request through nginx and reports what reached the application, if anything. */
  async function throughGateway(options: Parameters<typeof rawRequest>[1] = {}) {
    const before = upstream.arrivals.length;
    const response = await rawRequest(`${gateway.url}/app/page?q=1`, options);
    const reached = upstream.arrivals.slice(before);
    assert.ok(reached.length <= 1, 'one request reaches the application at most once');
    return { response, arrival: reached[0] };
  }

  it('lets a client log in through the gateway, at /auth/login', async () => {
    const response = await rawRequest(`${gateway.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=erin%40example.com',
    });

    assert.equal(response.status, 200, gateway.errorLog());
    const { token } = JSON.parse(response.body) as { token: string };
    const { arrival } = await throughGateway({ headers: { authorization: `Bearer ${token}` } });
    assert.equal(arrival?.headers['x-auth-user'], 'erin@example.com');
  });

  it('lets a live token through with the right X-Auth-User, replacing forged ones', async () => {
    const token = await loginOpen(tokenauth.url, 'alice@example.com');
    const { response, arrival } = await throughGateway({
      headers: {
        authorization: `Bearer ${token}`,
        'X-Auth-User': ['admin@example.com', 'root'],
        'x-AUTH-expires': '2999-01-01T00:00:00.000Z',
      },
    });

    assert.equal(response.status, 200, gateway.errorLog());
    assert.equal(response.body, 'hello from the application');
    assert.ok(arrival);
    assert.equal(arrival.url, '/app/page?q=1');
    assert.deepEqual(headerValues(arrival.rawHeaders, 'x-auth-user'), ['alice@example.com']);
    const expires = headerValues(arrival.rawHeaders, 'x-auth-expires');
    assert.equal(expires.length, 1);
    assert.notEqual(expires[0], '2999-01-01T00:00:00.000Z');
    assert.ok(Date.parse(expires[0] ?? '') > Date.now());
  });

  it('passes a non-ASCII user id percent-encoded, as documented', async () => {
    const token = await loginOpen(tokenauth.url, 'zoë 100%');
    const { response, arrival } = await throughGateway({
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 200);
    assert.equal(arrival?.headers['x-auth-user'], 'zo%C3%AB%20100%25');
    assert.equal(decodeURIComponent(String(arrival?.headers['x-auth-user'])), 'zoë 100%');
  });

  it("forwards a request's body to the application without the auth check waiting for it", async () => {
    const token = await loginOpen(tokenauth.url);
    const started = Date.now();
    const { response, arrival } = await throughGateway({
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"order":42}',
    });

    assert.equal(response.status, 200);
    assert.equal(arrival?.method, 'POST');
    assert.equal(arrival?.body, '{"order":42}');
    assert.ok(Date.now() - started < 5000, 'answered without waiting for a timeout');
  });

  it('refuses a request without a token with 401 and the Bearer challenge', async () => {
    const { response, arrival } = await throughGateway({
      headers: { 'x-auth-user': 'alice@example.com' },
    });

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="tokenauth"');
    assert.equal(arrival, undefined, 'the application was not reached');
  });

  it('refuses a revoked token with 401 and an invalid_token challenge', async () => {
    const token = await loginOpen(tokenauth.url, 'bob@example.com');
    const logout = await fetch(`${tokenauth.url}/logout`, { method: 'POST', ...form({ token }) });
    assert.equal(logout.status, 200);

    const { response, arrival } = await throughGateway({
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 401);
    assert.equal(
      response.headers['www-authenticate'],
      'Bearer realm="tokenauth", error="invalid_token"',
    );
    assert.equal(arrival, undefined, 'the application was not reached');
  });

  it('refuses a request with two Authorization headers and never lets it through', async () => {
    const token = await loginOpen(tokenauth.url);
    const { response, arrival } = await throughGateway({
      headers: { authorization: [`Bearer ${token}`, 'Bearer tokenauth_forged'] },
    });

    // nginx itself refuses a repeated Authorization header with 400; tokenauth would say 401.
    assert.ok([400, 401].includes(response.status), `status ${response.status}`);
    assert.equal(arrival, undefined);
  });

  it('refuses a malformed token and shows tokenauth the address nginx saw, not a forged one', async () => {
    const before = tokenauth.logs.lines.length;
    const { response, arrival } = await throughGateway({
      headers: { authorization: 'Bearer tokenauth_guess', 'x-forwarded-for': '203.0.113.9' },
    });

    assert.equal(response.status, 401);
    assert.equal(arrival, undefined);

    const rejected = tokenauth.logs
      .records()
      .slice(before)
      .find((record) => record.event === 'token_rejected');
    assert.equal(rejected?.clientAddress, '127.0.0.1');
  });

  it('fails closed with a 500 when tokenauth cannot reach its store', async () => {
    const token = await loginOpen(tokenauth.url);
    await tokenauth.services.store.close();

    const { response, arrival } = await throughGateway({
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 500);
    assert.equal(arrival, undefined, 'the application was not reached');
  });
});

describe('the nginx configuration in docs/gateways.md', () => {
  it('is exactly the configuration the gateway test runs', () => {
    const doc = readFileSync(DOC_PATH, 'utf8');
    assert.ok(
      doc.includes(renderGatewayConfig(DOCUMENTED_GATEWAY)),
      'paste renderGatewayConfig(DOCUMENTED_GATEWAY) from test/helpers/nginx.ts into the doc',
    );
  });
});
