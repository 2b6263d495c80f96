import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../src/core/clock.js';
import { encodeUserIdHeader } from '../../src/server/routes/verify-route.js';
import { rawRequest } from '../helpers/raw-http.js';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { form, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const MINUTE_MS = 60_000;
const CHALLENGE_NONE = 'Bearer realm="tokenauth"';
const CHALLENGE_INVALID = 'Bearer realm="tokenauth", error="invalid_token"';
const CHALLENGE_REQUEST = 'Bearer realm="tokenauth", error="invalid_request"';

/**
 * Writes a request head by hand and reads until the server answers. Resolves the raw response
 * text, how long the answer took and whether the server closed the connection soon after.
 */
function sendHead(
  url: string,
  head: string,
): Promise<{ text: string; ms: number; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    let answeredMs = 0;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, ms: answeredMs || Date.now() - started, closed });
    };
    // Without an answer in 3 s, or without a close within 300 ms of it, give up waiting.
    let timer = setTimeout(() => finish(false), 3000);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (answeredMs > 0) return;
      answeredMs = Date.now() - started;
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), 300);
    });
    socket.on('end', () => finish(true));
  });
}

describe('GET /verify (forward-auth)', () => {
  const clock = new ManualClock();
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ '--idle-timeout': '30m', '--token-ttl': '12h' }, { clock });
  });
  after(() => server.close());

  const verify = (headers: Record<string, string | string[]> = {}, method = 'GET', path = '') =>
    rawRequest(`${server.url}/verify${path}`, { method, headers });

  for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']) {
    it(`answers ${method} for a live token with 200, an empty body and X-Auth-User`, async () => {
      const token = await loginOpen(server.url, 'alice@example.com');
      const response = await verify({ authorization: `Bearer ${token}` }, method);

      assert.equal(response.status, 200);
      assert.equal(response.body, '');
      assert.equal(response.headers['x-auth-user'], 'alice@example.com');
      assert.equal(response.headers['cache-control'], 'no-store');
    });
  }

  it('sends the effective expiry in X-Auth-Expires as an ISO instant', async () => {
    const token = await loginOpen(server.url);
    clock.advance(5 * MINUTE_MS);
    const response = await verify({ authorization: `Bearer ${token}` });

    const idleDeadline = new Date(clock.nowMs() + 30 * MINUTE_MS).toISOString();
    assert.equal(response.headers['x-auth-expires'], idleDeadline);
  });

  it('answers a POST that announces a body it never sends at once, then closes', async () => {
    const token = await loginOpen(server.url);
    const { host } = new URL(server.url);
    const head =
      `POST /verify HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n';
    const answer = await sendHead(server.url, head);

    assert.match(answer.text, /^HTTP\/1\.1 200 /);
    assert.match(answer.text, /\r\nx-auth-user: user@email\.com\r\n/i);
    assert.ok(answer.ms < 1000, `answered in ${answer.ms} ms`);
    assert.ok(answer.closed, 'the connection with the unread body is closed');
  });

  it('keeps the connection open when no body was announced', async () => {
    const token = await loginOpen(server.url);
    const { host } = new URL(server.url);
    const head = `GET /verify HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n\r\n`;
    const answer = await sendHead(server.url, head);

    assert.match(answer.text, /^HTTP\/1\.1 200 /);
    assert.equal(answer.closed, false);
  });

  it('answers 401 with the bare challenge when no token is sent', async () => {
    const response = await verify({}, 'POST');

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], CHALLENGE_NONE);
    assert.equal(response.body, '{"error":"Missing token"}');
  });

  it('answers 401 with invalid_token for a token that was never issued', async () => {
    const response = await verify({ authorization: 'Bearer tokenauth_not-a-real-token' });

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], CHALLENGE_INVALID);
  });

  it('answers 401 for a token revoked by logout', async () => {
    const token = await loginOpen(server.url);
    await fetch(`${server.url}/logout`, { method: 'POST', ...form({ token }) });
    const response = await verify({ authorization: `Bearer ${token}` });

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], CHALLENGE_INVALID);
  });

  it('answers 401 for a token idle past the idle timeout', async () => {
    const token = await loginOpen(server.url);
    clock.advance(31 * MINUTE_MS);
    const response = await verify({ authorization: `Bearer ${token}` });

    assert.equal(response.status, 401);
  });

  it('answers 401, not 400, to a request with two Authorization headers', async () => {
    const token = await loginOpen(server.url);
    const response = await verify({ authorization: [`Bearer ${token}`, `Bearer ${token}`] });

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], CHALLENGE_REQUEST);
  });

  it('answers 401, not 400, to a token in the query string', async () => {
    const token = await loginOpen(server.url);
    const response = await verify({}, 'GET', `?access_token=${token}`);

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], CHALLENGE_REQUEST);
  });

  it('answers 401, not 400, to malformed Bearer credentials', async () => {
    const response = await verify({ authorization: 'Bearer two words' });

    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], CHALLENGE_REQUEST);
  });
});

describe('/verify when the store is down', () => {
  let dir: TempDir;
  let server: TestServer;
  before(async () => {
    dir = await makeTempDir('verify-down');
    server = await startTestServer({ '--store': `sqlite:${join(dir.path, 'tokens.db')}` });
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it('answers 503, never 2xx, when the SQLite store is closed', async () => {
    const token = await loginOpen(server.url);
    await server.services.store.close();
    const response = await rawRequest(`${server.url}/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 503);
    assert.equal(response.headers['x-auth-user'], undefined);
    assert.equal(response.headers['retry-after'], '1');
  });
});

const redis = redisAvailability();

describe('/verify when Redis stops', { skip: redis.reason }, () => {
  let redisServer: RedisServerHandle;
  let server: TestServer;
  before(async () => {
    redisServer = await startRedisServer();
    server = await startTestServer({ '--store': redisServer.url });
  });
  after(async () => {
    await server?.close();
    await redisServer?.stop();
  });

  it('answers 503, never 2xx, while redis-server is down', async () => {
    const token = await loginOpen(server.url);
    await redisServer.stop();
    const response = await rawRequest(`${server.url}/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 503);
    assert.equal(response.headers['x-auth-user'], undefined);
  });
});

describe('encodeUserIdHeader', () => {
  it('passes printable ASCII ids such as e-mail addresses unchanged', () => {
    assert.equal(encodeUserIdHeader('alice.smith+tag@example.com'), 'alice.smith+tag@example.com');
  });

  it('percent-encodes spaces, non-ASCII characters and the percent sign as UTF-8', () => {
    assert.equal(encodeUserIdHeader('zoë 100%'), 'zo%C3%AB%20100%25');
    assert.equal(encodeUserIdHeader('李'), '%E6%9D%8E');
  });

  it('always yields visible ASCII that decodeURIComponent turns back into the id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1 }), (id) => {
        const encoded = encodeUserIdHeader(id);
        assert.match(encoded, /^[\x21-\x7e]+$/);
        assert.equal(decodeURIComponent(encoded), id);
      }),
    );
  });
});
