import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { GUESS_LIMIT, GUESS_WINDOW_MS } from '../../src/core/guess-throttle.js';
import { mintToken } from '../../src/core/tokens.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Requests come from 127.0.0.1, a trusted proxy, so X-Forwarded-For picks the client. */
function from(address: string, token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address } };
}

describe('token guessing throttle', () => {
  let server: TestServer;
  let clock: ManualClock;

  beforeEach(async () => {
    await server?.close();
    clock = new ManualClock();
    server = await startTestServer({ '--trusted-proxy': '127.0.0.1' }, { clock });
  });
  after(() => server.close());

  async function guess(address: string, times: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < times; i += 1) {
      const response = await fetch(`${server.url}/me`, from(address, mintToken()));
      await response.body?.cancel();
      statuses.push(response.status);
    }
    return statuses;
  }

  it('refuses an address with 429 and Retry-After once it spent its rejected tokens', async () => {
    const statuses = await guess('203.0.113.7', GUESS_LIMIT);
    assert.ok(statuses.every((status) => status === 401));

    const response = await fetch(`${server.url}/me`, from('203.0.113.7', mintToken()));
    assert.equal(response.status, 429);
    assert.equal(await response.text(), '{"error":"Too many requests"}');
    assert.equal(response.headers.get('retry-after'), String(GUESS_WINDOW_MS / 1000));
  });

  it('refuses even a valid token from a blocked address, before looking it up', async () => {
    const token = await loginOpen(server.url);
    await guess('203.0.113.7', GUESS_LIMIT);
    const response = await fetch(`${server.url}/me`, from('203.0.113.7', token));
    assert.equal(response.status, 429);
    const accepted = server.logs.records().filter((r) => r.msg === 'token accepted');
    assert.equal(accepted.length, 0);
  });

  it('answers 401 with the invalid_token challenge on /verify, never 429', async () => {
    await guess('203.0.113.7', GUESS_LIMIT);
    const token = await loginOpen(server.url);
    const response = await fetch(`${server.url}/verify`, from('203.0.113.7', token));
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer realm="tokenauth", error="invalid_token"',
    );
  });

  it('counts rejected tokens on /verify too', async () => {
    for (let i = 0; i < GUESS_LIMIT; i += 1) {
      const response = await fetch(`${server.url}/verify`, from('203.0.113.8', mintToken()));
      assert.equal(response.status, 401);
    }
    const blocked = await fetch(`${server.url}/me`, from('203.0.113.8', mintToken()));
    assert.equal(blocked.status, 429);
  });

  it('leaves other addresses alone', async () => {
    const token = await loginOpen(server.url);
    await guess('203.0.113.7', GUESS_LIMIT);
    const response = await fetch(`${server.url}/me`, from('198.51.100.1', token));
    assert.equal(response.status, 200);
  });

  it('lets the address in again when the window ends', async () => {
    const token = await loginOpen(server.url);
    await guess('203.0.113.7', GUESS_LIMIT);
    clock.advance(GUESS_WINDOW_MS);
    const response = await fetch(`${server.url}/me`, from('203.0.113.7', token));
    assert.equal(response.status, 200);
  });

  it('never counts valid tokens or requests without a token', async () => {
    const token = await loginOpen(server.url);
    for (let i = 0; i < GUESS_LIMIT * 2; i += 1) {
      const valid = await fetch(`${server.url}/me`, from('203.0.113.9', token));
      assert.equal(valid.status, 200);
      const missing = await fetch(`${server.url}/me`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      assert.equal(missing.status, 401);
    }
    const statuses = await guess('203.0.113.9', GUESS_LIMIT);
    assert.ok(statuses.every((status) => status === 401));
  });

  it('records one guessing_throttled audit event per refused request', async () => {
    await guess('203.0.113.7', GUESS_LIMIT + 2);
    const events = server.logs.records().filter((r) => r.event === 'guessing_throttled');
    assert.equal(events.length, 2);
    assert.equal(events[0]?.clientAddress, '203.0.113.7');
  });

  it('counts inactive tokens on /introspect and answers a blocked address 429', async () => {
    const created = await server.services.apiClients.addClient('api');
    assert.ok(created.ok);
    const basic = `Basic ${Buffer.from(`api:${created.secret}`).toString('base64')}`;
    const introspect = (token: string) =>
      fetch(`${server.url}/introspect`, {
        method: 'POST',
        headers: { authorization: basic, 'x-forwarded-for': '203.0.113.8' },
        body: new URLSearchParams({ token }),
      });

    for (let i = 0; i < GUESS_LIMIT; i += 1) {
      assert.deepEqual(await (await introspect(mintToken())).json(), { active: false });
    }
    const blocked = await introspect(await loginOpen(server.url));
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers.get('retry-after'), String(GUESS_WINDOW_MS / 1000));
  });
});
