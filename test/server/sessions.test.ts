import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { digestToken, fingerprintDigest, TOKEN_PREFIX } from '../../src/core/tokens.js';
import { type OpenedStore, storeFixtures } from '../helpers/store-fixtures.js';
import { form, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const MINUTE = 60_000;

interface SessionView {
  id: string;
  current: boolean;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  client_address: string;
  user_agent: string;
}

async function call(
  server: TestServer,
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; challenge: string | null; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${server.url}${path}`, { method, headers });
  const text = await response.text();
  return { status: response.status, challenge: response.headers.get('www-authenticate'), text };
}

async function loginAs(server: TestServer, id: string, userAgent: string): Promise<string> {
  const response = await fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'user-agent': userAgent },
    ...form({ id }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { token: string }).token;
}

async function sessionsOf(server: TestServer, token: string): Promise<SessionView[]> {
  const result = await call(server, 'GET', '/sessions', token);
  assert.equal(result.status, 200, result.text);
  return (JSON.parse(result.text) as { sessions: SessionView[] }).sessions;
}

async function assertRevoked(server: TestServer, token: string, why: string): Promise<void> {
  const result = await call(server, 'GET', '/me', token);
  assert.equal(result.status, 401, why);
  assert.match(result.challenge ?? '', /error="invalid_token"/, why);
}

async function assertLive(server: TestServer, token: string, why: string): Promise<void> {
  assert.equal((await call(server, 'GET', '/me', token)).status, 200, why);
}

for (const fixture of storeFixtures()) {
  describe(`logout and sessions on the ${fixture.kind} store`, { skip: fixture.skip }, () => {
    let store: OpenedStore;
    let server: TestServer;
    let peer: TestServer | undefined;
    const clock = new ManualClock(Date.now());

    before(async () => {
      store = await fixture.open();
      server = await startTestServer({ ...store.flags, '--idle-timeout': '30m' }, { clock });
      if (store.shared) peer = await startTestServer(store.flags, { clock });
    });
    after(async () => {
      await peer?.close();
      await server?.close();
      await store?.cleanup();
    });

    it('revokes the Bearer token on POST /logout, for every later request', async () => {
      const token = await loginOpen(server.url, 'logout-header');
      const other = await loginOpen(server.url, 'logout-header');

      const logout = await call(server, 'POST', '/logout', token);
      assert.equal(logout.status, 200);
      assert.deepEqual(JSON.parse(logout.text), { message: 'Logged out' });

      await assertRevoked(server, token, 'after logout');
      if (peer) await assertRevoked(peer, token, 'on another server sharing the store');
      await assertLive(server, other, 'the same user’s other token');
    });

    it('revokes the token sent in the lab’s form fields on POST /logout', async () => {
      const token = await loginOpen(server.url, 'logout-form');
      const response = await fetch(`${server.url}/logout`, {
        method: 'POST',
        ...form({ id: 'logout-form', token }),
      });
      assert.equal(response.status, 200);
      await assertRevoked(server, token, 'after a form logout');
    });

    it('answers 200 to a repeated logout and to a logout of an unknown token', async () => {
      const token = await loginOpen(server.url, 'logout-twice');
      assert.equal((await call(server, 'POST', '/logout', token)).status, 200);
      assert.equal((await call(server, 'POST', '/logout', token)).status, 200);

      const unknown = await loginOpen(server.url, 'logout-twice');
      await server.services.store.deleteToken(digestToken(unknown));
      assert.equal((await call(server, 'POST', '/logout', unknown)).status, 200);
      assert.equal((await call(server, 'POST', '/logout', 'not-a-token')).status, 200);
    });

    it('answers 401 without an error code to a logout that carries no token', async () => {
      const result = await call(server, 'POST', '/logout');
      assert.equal(result.status, 401);
      assert.equal(result.challenge, 'Bearer realm="tokenauth"');
      assert.deepEqual(JSON.parse(result.text), { error: 'Missing token' });
    });

    it('revokes every token of the caller on POST /logout/all, and no one else’s', async () => {
      const tokens = [];
      for (let i = 0; i < 3; i += 1) tokens.push(await loginOpen(server.url, 'everywhere'));
      const bystander = await loginOpen(server.url, 'bystander');

      const result = await call(server, 'POST', '/logout/all', tokens[1]);
      assert.equal(result.status, 200);
      assert.deepEqual(JSON.parse(result.text), { message: 'Logged out everywhere', revoked: 3 });

      for (const token of tokens) await assertRevoked(server, token, 'after logout/all');
      if (peer) for (const token of tokens) await assertRevoked(peer, token, 'on the peer');
      await assertLive(server, bystander, 'another user');
    });

    it('lists the caller’s live sessions, never a token or its digest', async () => {
      const first = await loginAs(server, 'lister', 'laptop-browser/1.0');
      clock.advance(1000);
      const second = await loginAs(server, 'lister', 'phone-app/2.0');
      const stranger = await loginAs(server, 'someone-else', 'laptop-browser/1.0');

      const listing = await call(server, 'GET', '/sessions', second);
      const sessions = (JSON.parse(listing.text) as { sessions: SessionView[] }).sessions;
      assert.deepEqual(
        sessions.map((session) => [session.user_agent, session.current]),
        [
          ['laptop-browser/1.0', false],
          ['phone-app/2.0', true],
        ],
      );
      for (const session of sessions) {
        assert.equal(session.client_address, '127.0.0.1');
        assert.ok(Date.parse(session.created_at) <= Date.parse(session.last_used_at));
        assert.ok(Date.parse(session.last_used_at) < Date.parse(session.expires_at));
      }

      for (const token of [first, second, stranger]) {
        const digest = digestToken(token);
        assert.ok(
          !listing.text.includes(token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 20)),
        );
        assert.ok(!listing.text.includes(digest.slice(0, 20)));
        assert.ok(!listing.text.includes(fingerprintDigest(digest)));
      }
      assert.ok(!listing.text.includes(TOKEN_PREFIX));
    });

    it('leaves expired tokens out of the listing and shows each session’s last use', async () => {
      const idle = await loginAs(server, 'aging', 'old-device');
      const busy = await loginAs(server, 'aging', 'new-device');
      clock.advance(20 * MINUTE);
      await assertLive(server, busy, 'used at 20 min');
      const usedAtMs = clock.nowMs();
      clock.advance(15 * MINUTE);

      const sessions = await sessionsOf(server, busy);
      assert.deepEqual(
        sessions.map((session) => session.user_agent),
        ['new-device'],
      );
      // The listing request itself is a use, made at the clock's current instant.
      assert.equal(sessions[0]?.last_used_at, new Date(clock.nowMs()).toISOString());
      assert.ok(clock.nowMs() > usedAtMs);
      await assertRevoked(server, idle, 'idle for 35 minutes');
    });

    it('revokes one session on DELETE /sessions/:id and keeps the others', async () => {
      const phone = await loginAs(server, 'pruner', 'phone');
      const laptop = await loginAs(server, 'pruner', 'laptop');
      const phoneSession = (await sessionsOf(server, laptop)).find((s) => s.user_agent === 'phone');
      assert.ok(phoneSession);

      const result = await call(server, 'DELETE', `/sessions/${phoneSession.id}`, laptop);
      assert.equal(result.status, 200, result.text);
      await assertRevoked(server, phone, 'its session was deleted');
      await assertLive(server, laptop, 'the caller’s own session');

      const again = await call(server, 'DELETE', `/sessions/${phoneSession.id}`, laptop);
      assert.equal(again.status, 404);
    });

    it('answers 404 to DELETE of another user’s session and revokes nothing', async () => {
      const victim = await loginAs(server, 'victim', 'victim-device');
      const attacker = await loginAs(server, 'attacker', 'attacker-device');
      const [victimSession] = await sessionsOf(server, victim);
      assert.ok(victimSession);

      const result = await call(server, 'DELETE', `/sessions/${victimSession.id}`, attacker);
      assert.equal(result.status, 404);
      assert.deepEqual(JSON.parse(result.text), { error: 'Not found' });
      await assertLive(server, victim, 'someone else cannot revoke it');
    });

    it('returns the caller’s id and the token’s expiry from GET /me', async () => {
      const token = await loginOpen(server.url, 'whoami');
      clock.advance(MINUTE);
      const result = await call(server, 'GET', '/me', token);
      const body = JSON.parse(result.text) as Record<string, unknown>;

      assert.equal(body.id, 'whoami');
      assert.equal(body.expires_at, new Date(clock.nowMs() + 30 * MINUTE).toISOString());
      assert.equal(body.expires_in, 30 * 60);
      assert.ok(!result.text.includes(token.slice(TOKEN_PREFIX.length)));
    });
  });
}
