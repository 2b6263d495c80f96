import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestToken, mintToken } from '../../src/core/tokens.js';
import { AUDIT_EVENTS } from '../../src/server/audit.js';
import { rawRequest } from '../helpers/raw-http.js';
import { form, json, startTestServer, type TestServer } from '../helpers/test-server.js';

/** Distinctive secrets: any appearance in the output is a leak, never a coincidence. */
const CANARY = {
  alicePassword: 'canary-alice-Pw-7f3a9c1e',
  bobPassword: 'canary-bob-Pw-2d8e4b6f',
  wrongPassword: 'canary-wrong-Pw-5c1a7e3d',
  newPassword: 'canary-new-Pw-9b2f6d4a',
  metricsToken: 'canary-metrics-secret-4e8c2a6b',
} as const;

/** An id that JSON alone would print raw: a Unicode line separator. */
const ODD_ID = 'line\u2028separated';
const HOSTILE_ID = 'evil\r\n{"event":"login_succeeded"}\u001b[31m\u009b31m';

describe('logs at debug level', () => {
  let server: TestServer;
  const tokens: string[] = [];

  before(async () => {
    server = await startTestServer(
      {
        '--login': 'password',
        '--allow-registration': 'true',
        '--metrics-token': CANARY.metricsToken,
      },
      { logLevel: 'debug' },
    );
    await runScenario(server, tokens);
    await server.close();
  });
  after(() => server.close());

  it('ran the whole scenario', () => {
    assert.ok(tokens.length >= 4, `captured ${tokens.length} tokens`);
    const events = new Set(server.logs.records().map((record) => record.event));
    for (const event of [
      'login_succeeded',
      'login_failed',
      'token_rejected',
      'logout',
      'logout_all',
      'session_revoked',
      'user_registered',
      'validation_failed',
    ]) {
      assert.ok(events.has(event), `no ${event} event`);
    }
  });

  it('contains no password, token, digest or secret anywhere', () => {
    const text = server.logs.text;
    const secrets = [
      ...Object.values(CANARY),
      ...tokens,
      ...tokens.map((token) => token.slice('tokenauth_'.length, -6)),
      ...tokens.map(digestToken),
    ];
    const leaks = secrets.filter((secret) => text.includes(secret));
    assert.deepEqual(leaks, []);
  });

  it('writes one JSON record per line with no raw control or separator characters', () => {
    assert.ok(server.logs.lines.length > 20);
    for (const line of server.logs.lines) {
      assert.doesNotThrow(() => JSON.parse(line), line);
      assert.doesNotMatch(line, /[\p{Cc}\u2028\u2029]/u);
    }
    assert.ok(!server.logs.records().some((r) => r.event === 'login_succeeded' && !r.userId));
  });

  it('keeps an odd id readable and escaped in its audit record', () => {
    const registered = server.logs
      .records()
      .find((record) => record.event === 'user_registered' && record.userId !== 'bob');
    assert.equal(registered?.userId, 'line\\u{2028}separated');
  });

  it('gives every audit record its time, request, address and outcome', () => {
    const audit = server.logs.records().filter((record) => record.audit === true);
    assert.ok(audit.length > 10);
    for (const record of audit) {
      assert.match(String(record.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(String(record.reqId), /^req-/);
      assert.equal(record.clientAddress, '127.0.0.1');
      assert.ok(record.outcome === 'success' || record.outcome === 'failure');
    }
  });
});

async function runScenario(server: TestServer, tokens: string[]): Promise<void> {
  const { url } = server;
  const post = (path: string, init: RequestInit) =>
    fetch(`${url}${path}`, { method: 'POST', ...init });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const login = async (id: string, password: string) => {
    const response = await post('/login', form({ id, password }));
    assert.equal(response.status, 200);
    const token = ((await response.json()) as { token: string }).token;
    tokens.push(token);
    return token;
  };

  assert.equal((await server.services.accounts.addUser('alice', CANARY.alicePassword)).ok, true);
  assert.equal(
    (await post('/register', form({ id: 'bob', password: CANARY.bobPassword }))).status,
    201,
  );
  assert.equal(
    (await post('/register', json({ id: ODD_ID, password: CANARY.bobPassword }))).status,
    201,
  );

  const alice = await login('alice', CANARY.alicePassword);
  const aliceSecond = await login('alice', CANARY.alicePassword);
  const bob = await login('bob', CANARY.bobPassword);
  await login(ODD_ID, CANARY.bobPassword);
  assert.equal(
    (await post('/login', form({ id: 'alice', password: CANARY.wrongPassword }))).status,
    401,
  );
  assert.equal(
    (await post('/login', json({ id: HOSTILE_ID, password: CANARY.wrongPassword }))).status,
    400,
  );

  assert.equal((await fetch(`${url}/me`, { headers: bearer(alice) })).status, 200);
  assert.equal((await post('/echo', form({ id: 'alice', token: alice, text: 'hi' }))).status, 200);
  assert.equal((await post('/echo', form({ id: 'bob', token: alice, text: 'hi' }))).status, 401);
  assert.equal((await fetch(`${url}/verify`, { headers: bearer(alice) })).status, 200);

  const unknown = mintToken();
  tokens.push(unknown);
  assert.equal((await fetch(`${url}/verify`, { headers: bearer(unknown) })).status, 401);
  assert.equal((await fetch(`${url}/me`, { headers: bearer(unknown) })).status, 401);
  assert.equal((await post('/echo', form({ token: `${alice}x`, text: 'hi' }))).status, 401);
  const inQuery = await fetch(`${url}/me?access_token=${alice}`);
  assert.equal(inQuery.status, 400);
  const twice = await rawRequest(`${url}/me`, {
    headers: { authorization: [`Bearer ${alice}`, `Bearer ${bob}`] },
  });
  assert.equal(twice.status, 400);

  const sessions = (await (await fetch(`${url}/sessions`, { headers: bearer(alice) })).json()) as {
    sessions: { id: string; current: boolean }[];
  };
  const other = sessions.sessions.find((session) => !session.current);
  assert.ok(other);
  const revoke = await fetch(`${url}/sessions/${other.id}`, {
    method: 'DELETE',
    headers: bearer(alice),
  });
  assert.equal(revoke.status, 200);
  assert.equal((await fetch(`${url}/me`, { headers: bearer(aliceSecond) })).status, 401);

  const changed = await server.services.accounts.changePassword('alice', CANARY.newPassword);
  assert.equal(changed.ok, true);
  const afterChange = await login('alice', CANARY.newPassword);
  assert.equal((await post('/logout', { headers: bearer(bob) })).status, 200);
  assert.equal((await post('/logout/all', { headers: bearer(afterChange) })).status, 200);

  const scrape = await fetch(`${url}/metrics`, { headers: bearer(CANARY.metricsToken) });
  assert.equal(scrape.status, 200);
  const wrongScrape = await fetch(`${url}/metrics`, {
    headers: bearer(`${CANARY.metricsToken}-wrong`),
  });
  assert.equal(wrongScrape.status, 401);
}

describe('audit event documentation', () => {
  it('lists exactly the events the audit log can write, in docs/operations.md', async () => {
    const docs = await readFile(join(import.meta.dirname, '../../../docs/operations.md'), 'utf8');
    const documented = [...docs.matchAll(/^\| `([a-z_]+)` \| (?:info|error) \|/gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(documented, [...AUDIT_EVENTS]);
  });
});
