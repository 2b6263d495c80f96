import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthClient, InvalidClientError } from '../../src/client/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { rawRequest } from '../helpers/raw-http.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { form, json, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const MINUTE_MS = 60_000;
const INVALID_CLIENT = '{"error":"Invalid client credentials"}';

/** RFC 6749 §2.3.1: each part form-urlencoded, then `name:secret` in Basic. */
function basic(name: string, secret: string): string {
  const encode = (text: string) => new URLSearchParams({ x: text }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(name)}:${encode(secret)}`).toString('base64')}`;
}

async function addClient(server: TestServer, name: string): Promise<string> {
  const result = await server.services.apiClients.addClient(name);
  assert.ok(result.ok);
  return result.secret;
}

describe('POST /introspect (RFC 7662)', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  let server: TestServer;
  let secret: string;
  let auth: string;

  before(async () => {
    server = await startTestServer({ '--idle-timeout': '30m', '--token-ttl': '12h' }, { clock });
    secret = await addClient(server, 'resource-server');
    auth = basic('resource-server', secret);
  });
  after(() => server.close());

  const introspect = (
    body: { body: URLSearchParams | string; headers?: Record<string, string> },
    authorization: string | null = auth,
  ) =>
    fetch(`${server.url}/introspect`, {
      method: 'POST',
      body: body.body,
      headers: { ...body.headers, ...(authorization ? { authorization } : {}) },
    });

  it('describes a live token with sub, username, iat, exp and the asking client', async () => {
    const issuedAtMs = clock.nowMs();
    const token = await loginOpen(server.url, 'alice@example.com');
    clock.advance(10 * MINUTE_MS);
    const response = await introspect(form({ token }));

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), {
      active: true,
      sub: 'alice@example.com',
      username: 'alice@example.com',
      token_type: 'Bearer',
      iat: issuedAtMs / 1000,
      exp: (clock.nowMs() + 30 * MINUTE_MS) / 1000,
      client_id: 'resource-server',
    });
  });

  it('accepts a JSON body and ignores token_type_hint', async () => {
    const token = await loginOpen(server.url);
    const response = await introspect(json({ token, token_type_hint: 'refresh_token' }));

    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { active: boolean }).active, true);
  });

  const deadTokens: Record<string, () => Promise<string>> = {
    'a malformed token': async () => 'not-a-token',
    'a well-formed token never issued': async () => `tokenauth_${'A'.repeat(49)}`,
    'a very long string': async () => 'x'.repeat(3000),
    'a revoked token': async () => {
      const token = await loginOpen(server.url);
      await fetch(`${server.url}/logout`, { method: 'POST', ...form({ token }) });
      return token;
    },
    'a token idle past the idle timeout': async () => {
      const token = await loginOpen(server.url);
      clock.advance(31 * MINUTE_MS);
      return token;
    },
  };
  for (const [what, makeToken] of Object.entries(deadTokens)) {
    it(`answers exactly {"active":false} for ${what}`, async () => {
      const response = await introspect(form({ token: await makeToken() }));

      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(await response.text(), '{"active":false}');
    });
  }

  it('counts introspection as a use, sliding the idle window like /verify', async () => {
    const token = await loginOpen(server.url);
    clock.advance(20 * MINUTE_MS);
    await introspect(form({ token }));
    clock.advance(20 * MINUTE_MS);
    const response = await introspect(form({ token }));

    assert.equal(((await response.json()) as { active: boolean }).active, true);
  });

  const badCredentials: Record<string, () => string | null> = {
    'no Authorization header': () => null,
    'a wrong secret': () => basic('resource-server', `${secret.slice(0, -1)}A`),
    'an unknown client': () => basic('someone-else', secret),
    'a Bearer token instead of Basic': () => `Bearer ${secret}`,
    'Basic without a colon': () => `Basic ${Buffer.from('resource-server').toString('base64')}`,
    'a broken percent-encoding': () =>
      `Basic ${Buffer.from(`resource-server:%E0%A4%A${secret}`).toString('base64')}`,
  };
  for (const [what, header] of Object.entries(badCredentials)) {
    it(`refuses ${what} with 401, a Basic challenge and an audit line`, async () => {
      const before = server.logs.lines.length;
      const token = await loginOpen(server.url);
      const response = await introspect(form({ token }), header());

      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Basic realm="tokenauth"');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(await response.text(), INVALID_CLIENT);
      const events = server.logs.lines.slice(before).map((line) => JSON.parse(line));
      assert.ok(events.some((event) => event.event === 'client_auth_failed'));
    });
  }

  it('refuses two Authorization headers as bad client credentials', async () => {
    const response = await rawRequest(`${server.url}/introspect`, {
      method: 'POST',
      headers: { authorization: [auth, auth], 'content-type': 'application/json' },
      body: '{"token":"x"}',
    });

    assert.equal(response.status, 401);
  });

  it('checks client credentials before looking at the body', async () => {
    const response = await introspect(json({ nothing: 'here' }), basic('resource-server', 'no'));

    assert.equal(response.status, 401);
  });

  it('decodes form-urlencoded client ids and secrets inside Basic', async () => {
    const dotted = await addClient(server, 'rs.two');
    const header = `Basic ${Buffer.from(`rs%2Etwo:${dotted}`).toString('base64')}`;
    const response = await introspect(form({ token: 'x' }), header);

    assert.equal(response.status, 200);
  });

  it('answers 400 when the token is missing or empty, or the body has unknown fields', async () => {
    for (const body of [form({}), form({ token: '' }), json({ token: 'x', client_id: 'a' })]) {
      const response = await introspect(body);
      assert.equal(response.status, 400);
      assert.equal(await response.text(), '{"error":"Invalid request"}');
    }
    const empty = await fetch(`${server.url}/introspect`, {
      method: 'POST',
      headers: { authorization: auth },
    });
    assert.equal(empty.status, 400);
  });

  it('accepts both secrets of a client during a rotation', async () => {
    const rotated = await server.services.apiClients.rotateSecret('resource-server');
    assert.ok(rotated.ok);
    const token = await loginOpen(server.url);

    for (const header of [auth, basic('resource-server', rotated.secret)]) {
      const response = await introspect(form({ token }), header);
      assert.equal(((await response.json()) as { active: boolean }).active, true);
    }
  });

  it('is what AuthClient.introspect calls, with the documented client credentials', async () => {
    const token = await loginOpen(server.url, 'carol@example.com');
    const client = new AuthClient({ baseUrl: server.url });
    const id = 'resource-server';

    const live = await client.introspect(token, { id, secret });
    assert.equal(live.active, true);
    assert.equal(live.sub, 'carol@example.com');
    assert.equal(live.client_id, id);
    assert.deepEqual(await client.introspect('nonsense', { id, secret }), { active: false });
    await assert.rejects(client.introspect(token, { id, secret: 'wrong' }), (error) => {
      assert.ok(error instanceof InvalidClientError);
      assert.equal(error.status, 401);
      return true;
    });
  });

  it('is what AuthClient.revoke calls: the token is dead afterwards', async () => {
    const token = await loginOpen(server.url, 'dan@example.com');
    const client = new AuthClient({ baseUrl: server.url });
    await client.revoke(token, { id: 'resource-server', secret });
    await client.revoke(token, { id: 'resource-server', secret });
    assert.deepEqual(await client.introspect(token, { id: 'resource-server', secret }), {
      active: false,
    });
    await assert.rejects(
      client.revoke(token, { id: 'resource-server', secret: 'no' }),
      InvalidClientError,
    );
  });

  it('never writes a client secret or a token to the log', async () => {
    const token = await loginOpen(server.url);
    await introspect(form({ token }));
    await introspect(form({ token }), basic('resource-server', 'guess'));

    assert.equal(server.logs.text.includes(secret), false);
    assert.equal(server.logs.text.includes(token), false);
  });
});

describe('POST /revoke (RFC 7009)', () => {
  let server: TestServer;
  let auth: string;

  before(async () => {
    server = await startTestServer();
    auth = basic('gateway', await addClient(server, 'gateway'));
  });
  after(() => server.close());

  const revoke = (token: string, authorization: string | null = auth) =>
    fetch(`${server.url}/revoke`, {
      method: 'POST',
      ...form({ token, token_type_hint: 'access_token' }),
      headers: authorization ? { authorization } : {},
    });

  const verifyStatus = async (token: string) =>
    (await fetch(`${server.url}/verify`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('revokes a live token with an empty 200 and audits who did it', async () => {
    const token = await loginOpen(server.url, 'dave@example.com');
    const before = server.logs.lines.length;
    const response = await revoke(token);

    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(await response.text(), '');
    assert.equal(await verifyStatus(token), 401);
    const events = server.logs.records().slice(before);
    const audit = events.find((event) => event.event === 'token_revoked');
    assert.equal(audit?.userId, 'dave@example.com');
    assert.equal(audit?.reason, 'by API client gateway');
  });

  it('answers 200 alike for a token already revoked, unknown or malformed', async () => {
    const token = await loginOpen(server.url);
    await revoke(token);
    for (const dead of [token, `tokenauth_${'B'.repeat(49)}`, 'garbage']) {
      assert.equal((await revoke(dead)).status, 200);
    }
  });

  it('refuses bad client credentials with 401 and leaves the token live', async () => {
    const token = await loginOpen(server.url);
    const response = await revoke(token, basic('gateway', 'wrong'));

    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Basic realm="tokenauth"');
    assert.equal(await verifyStatus(token), 200);
  });

  it('answers 400 when the token is missing', async () => {
    const response = await fetch(`${server.url}/revoke`, {
      method: 'POST',
      ...form({}),
      headers: { authorization: auth },
    });

    assert.equal(response.status, 400);
  });
});

describe('introspection when the store is down', () => {
  let dir: TempDir;
  let server: TestServer;
  let auth: string;

  before(async () => {
    dir = await makeTempDir('introspect-down');
    server = await startTestServer({ '--store': `sqlite:${join(dir.path, 'tokens.db')}` });
    auth = basic('rs', await addClient(server, 'rs'));
  });
  after(async () => {
    await server.close();
    await dir.remove();
  });

  it('answers 503, not 401 and not {"active":false}', async () => {
    const token = await loginOpen(server.url);
    await server.services.store.close();
    const response = await fetch(`${server.url}/introspect`, {
      method: 'POST',
      ...form({ token }),
      headers: { authorization: auth },
    });

    assert.equal(response.status, 503);
  });
});
