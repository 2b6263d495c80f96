import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadServerConfig } from '../../src/config/server-config.js';
import { ManualClock } from '../../src/core/clock.js';
import { digestToken } from '../../src/core/tokens.js';
import { type OpenedStore, storeFixtures } from '../helpers/store-fixtures.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** GET /me with a Bearer token: the status, the challenge, and the body when it succeeded. */
async function me(server: TestServer, token: string) {
  const response = await fetch(`${server.url}/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { id?: string; expires_at?: string; error?: string };
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body };
}

async function assertRefused(server: TestServer, token: string, why: string): Promise<void> {
  const result = await me(server, token);
  assert.equal(result.status, 401, why);
  assert.match(result.challenge ?? '', /error="invalid_token"/, why);
}

async function assertAccepted(server: TestServer, token: string, why: string): Promise<void> {
  assert.equal((await me(server, token)).status, 200, why);
}

for (const fixture of storeFixtures()) {
  describe(`token lifetime on the ${fixture.kind} store`, { skip: fixture.skip }, () => {
    let store: OpenedStore;
    const running: TestServer[] = [];

    before(async () => {
      store = await fixture.open();
    });
    after(async () => {
      for (const server of running) await server.close();
      await store?.cleanup();
    });

    /** A server on this fixture's store. Redis sets real expiry from the clock: start at now. */
    async function serve(flags: Record<string, string>, clock: ManualClock): Promise<TestServer> {
      const server = await startTestServer({ ...store.flags, ...flags }, { clock });
      running.push(server);
      return server;
    }

    it('refuses a token past its absolute lifetime however often it was used', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--token-ttl': '1h', '--idle-timeout': '30m' }, clock);
      const token = await loginOpen(server.url, 'ttl-user');

      for (const step of [20 * MINUTE, 20 * MINUTE, 20 * MINUTE - 1]) {
        clock.advance(step);
        await assertAccepted(server, token, 'in use and inside the absolute lifetime');
      }
      clock.advance(1);
      await assertRefused(server, token, 'at the absolute deadline');

      // Enforced on read: the row is still stored, the sweeper has not run.
      assert.ok(await server.services.store.findToken(digestToken(token)));
    });

    it('refuses a token left unused for the idle timeout', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--token-ttl': '12h', '--idle-timeout': '15m' }, clock);
      const token = await loginOpen(server.url, 'idle-user');

      clock.advance(15 * MINUTE - 1);
      await assertAccepted(server, token, 'just inside the idle window');
      clock.advance(15 * MINUTE - 1);
      await assertAccepted(server, token, 'the last use slid the window');
      clock.advance(15 * MINUTE);
      await assertRefused(server, token, 'unused for the whole idle timeout');
      assert.ok(await server.services.store.findToken(digestToken(token)));
    });

    it('slides the idle window on use but never past the absolute lifetime', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--token-ttl': '40m', '--idle-timeout': '30m' }, clock);
      const loginAtMs = clock.nowMs();
      const token = await loginOpen(server.url, 'cap-user');

      clock.advance(5 * MINUTE);
      const early = await me(server, token);
      assert.equal(early.body.expires_at, new Date(loginAtMs + 35 * MINUTE).toISOString());

      clock.advance(20 * MINUTE);
      const late = await me(server, token);
      assert.equal(late.body.expires_at, new Date(loginAtMs + 40 * MINUTE).toISOString());
      clock.advance(15 * MINUTE);
      await assertRefused(server, token, 'used often, but 40 minutes old');
    });

    it('reports from /me the deadline it then enforces, even between recorded uses', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--idle-timeout': '30m' }, clock);
      const token = await loginOpen(server.url, 'honest-user');

      // 30 s after login: within one usage interval, so this use is not written yet.
      clock.advance(30 * SECOND);
      const promised = Date.parse((await me(server, token)).body.expires_at ?? '');
      assert.equal(promised, clock.nowMs() + 30 * MINUTE);

      clock.advance(promised - clock.nowMs() - 1);
      await assertAccepted(server, token, 'one millisecond before the promised expiry');
    });

    it('keeps an unused token until its absolute lifetime when the idle timeout is 0', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--token-ttl': '12h', '--idle-timeout': '0' }, clock);
      const token = await loginOpen(server.url, 'no-idle-user');

      clock.advance(12 * HOUR - 1);
      await assertAccepted(server, token, 'unused for 12 hours minus 1 ms');
      clock.advance(1);
      await assertRefused(server, token, '12 hours old');
    });

    it('reads durations in human forms', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--token-ttl': '90s', '--idle-timeout': '1m' }, clock);
      const token = await loginOpen(server.url, 'short-user');

      clock.advance(59 * SECOND);
      await assertAccepted(server, token, 'at 59 s');
      clock.advance(31 * SECOND);
      await assertRefused(server, token, 'at 90 s');
    });

    it('coalesces uses into one store write that carries the latest use', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--idle-timeout': '30m' }, clock);
      const loginAtMs = clock.nowMs();
      const token = await loginOpen(server.url, 'busy-user');
      const digest = digestToken(token);

      for (let i = 0; i < 30; i += 1) {
        clock.advance(SECOND);
        await assertAccepted(server, token, 'busy token');
      }
      const before = await server.services.store.findToken(digest);
      assert.equal(before?.lastUsedAtMs, loginAtMs, '30 uses wrote nothing yet');

      await server.services.usage.flush();
      const afterFlush = await server.services.store.findToken(digest);
      assert.equal(afterFlush?.lastUsedAtMs, clock.nowMs());
      assert.equal(afterFlush?.idleExpiresAtMs, clock.nowMs() + 30 * MINUTE);
    });

    it('revokes the oldest tokens when a login goes beyond the per-user limit', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--max-tokens-per-user': '3' }, clock);
      const bystander = await loginOpen(server.url, 'bystander');
      const tokens: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        clock.advance(SECOND);
        tokens.push(await loginOpen(server.url, 'limited-user'));
      }

      await assertRefused(server, tokens[0] ?? '', 'oldest token');
      await assertRefused(server, tokens[1] ?? '', 'second oldest token');
      for (const token of tokens.slice(2)) await assertAccepted(server, token, 'newest three');
      await assertAccepted(server, bystander, 'another user is not affected');
    });

    it('does not let a dead, unswept token push a live one out of the limit', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--max-tokens-per-user': '2', '--idle-timeout': '15m' }, clock);
      const kept = await loginOpen(server.url, 'tidy-user');
      clock.advance(SECOND);
      const abandoned = await loginOpen(server.url, 'tidy-user');

      // `kept` stays in use; `abandoned` goes idle and dies, but nothing sweeps it.
      for (let i = 0; i < 4; i += 1) {
        clock.advance(5 * MINUTE);
        await assertAccepted(server, kept, 'token in use');
      }
      await assertRefused(server, abandoned, 'idle for 20 minutes');

      const fresh = await loginOpen(server.url, 'tidy-user');
      await assertAccepted(server, kept, 'the live older token survives the new login');
      await assertAccepted(server, fresh, 'the new login');
    });

    it('sweeps dead rows but keeps a token whose use is only queued in memory', async () => {
      const clock = new ManualClock(Date.now());
      const server = await serve({ '--token-ttl': '2h', '--idle-timeout': '30m' }, clock);
      const used = await loginOpen(server.url, 'sweep-user');
      const idle = await loginOpen(server.url, 'sweep-user');

      clock.advance(29 * MINUTE);
      await assertAccepted(server, used, 'used at 29 min; the use is not written yet');
      clock.advance(5 * MINUTE);
      await server.services.tokens.sweepExpired();

      assert.equal(await server.services.store.findToken(digestToken(idle)), null);
      assert.ok(await server.services.store.findToken(digestToken(used)));
      await assertAccepted(server, used, 'still live after the sweep');
    });
  });

  // A memory store is private to its process: only the other kinds can be shared.
  if (fixture.kind === 'memory') continue;
  describe(`two servers sharing the ${fixture.kind} store`, { skip: fixture.skip }, () => {
    let store: OpenedStore;
    let first: TestServer;
    let second: TestServer;
    const clock = new ManualClock(Date.now());

    before(async () => {
      store = await fixture.open();
      const flags = { ...store.flags, '--idle-timeout': '30m' };
      first = await startTestServer(flags, { clock });
      second = await startTestServer(flags, { clock });
    });
    after(async () => {
      await first?.close();
      await second?.close();
      await store?.cleanup();
    });

    it('sees the slid idle window of the other once its uses are written', async () => {
      const token = await loginOpen(first.url, 'roaming-user');

      clock.advance(20 * MINUTE);
      await assertAccepted(first, token, 'used on the first server');
      await first.services.usage.flush();

      clock.advance(20 * MINUTE);
      await assertAccepted(second, token, 'the second server reads the written use');
      clock.advance(30 * MINUTE);
      await assertRefused(first, token, 'idle on both');
      await assertRefused(second, token, 'idle on both');
    });
  });
}

describe('duration settings', () => {
  it('refuses nonsense durations as a configuration error naming the setting', () => {
    for (const [flag, text] of [
      ['--token-ttl', 'soon'],
      ['--token-ttl', '12 hours'],
      ['--idle-timeout', '-5m'],
      ['--idle-timeout', '1.5h'],
    ] as const) {
      assert.throws(
        () => loadServerConfig({ [flag]: text }, {}),
        (error) => error instanceof ConfigError && error.message.includes(flag),
        `${flag} ${text}`,
      );
    }
  });
});
