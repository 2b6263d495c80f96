import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { type OpenedStore, storeFixtures } from '../helpers/store-fixtures.js';
import { loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const WORKERS = 8;
/** Requests started after the revocation returned, before the workers stop. */
const REQUESTS_AFTER = 120;

interface Attempt {
  readonly startedAtMs: number;
  readonly status: number;
}

/** How a caller revokes its token; each returns once the server has answered. */
const REVOCATIONS: Record<string, (server: TestServer, token: string) => Promise<number>> = {
  'POST /logout': (server, token) => revoke(server, 'POST', '/logout', token),
  'POST /logout/all': (server, token) => revoke(server, 'POST', '/logout/all', token),
  'DELETE /sessions/:id': async (server, token) => {
    const listing = await fetch(`${server.url}/sessions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { sessions } = (await listing.json()) as { sessions: { id: string }[] };
    return revoke(server, 'DELETE', `/sessions/${sessions[0]?.id ?? 'none'}`, token);
  },
};

async function revoke(server: TestServer, method: string, path: string, token: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Hammers `targets` with the token from several concurrent loops, revokes it on `server` while
 * they run, and returns every attempt with the instant the revocation returned.
 */
async function raceRevocation(
  server: TestServer,
  targets: readonly TestServer[],
  revokeToken: (server: TestServer, token: string) => Promise<number>,
  token: string,
): Promise<{ attempts: Attempt[]; revokedAtMs: number }> {
  const attempts: Attempt[] = [];
  let revokedAtMs = Number.POSITIVE_INFINITY;
  let startedAfter = 0;

  const worker = async (target: TestServer) => {
    while (startedAfter < REQUESTS_AFTER) {
      const startedAtMs = performance.now();
      if (startedAtMs > revokedAtMs) startedAfter += 1;
      const response = await fetch(`${target.url}/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await response.arrayBuffer();
      attempts.push({ startedAtMs, status: response.status });
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    worker(targets[i % targets.length] ?? server),
  );

  // Let the loops get going with the token still live, then revoke it among them.
  while (attempts.filter((attempt) => attempt.status === 200).length < 24) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  const status = await revokeToken(server, token);
  revokedAtMs = performance.now();
  assert.equal(status, 200);

  await Promise.all(workers);
  return { attempts, revokedAtMs };
}

for (const fixture of storeFixtures()) {
  describe(`revocation racing with requests on the ${fixture.kind} store`, {
    skip: fixture.skip,
  }, () => {
    let store: OpenedStore;
    let server: TestServer;
    let peer: TestServer | undefined;
    const clock = new ManualClock(Date.now());

    before(async () => {
      store = await fixture.open();
      server = await startTestServer(store.flags, { clock });
      if (store.shared) peer = await startTestServer(store.flags, { clock });
    });
    after(async () => {
      await peer?.close();
      await server?.close();
      await store?.cleanup();
    });

    for (const [name, revokeToken] of Object.entries(REVOCATIONS)) {
      it(`accepts no request started after ${name} returned`, async () => {
        // A fresh window of the rejected-token throttle, which the last race filled.
        clock.advance(5 * 60_000);
        const token = await loginOpen(server.url, `racer-${name}`);
        const targets = peer ? [server, peer] : [server];
        const { attempts, revokedAtMs } = await raceRevocation(server, targets, revokeToken, token);

        const later = attempts.filter((attempt) => attempt.startedAtMs > revokedAtMs);
        assert.ok(later.length >= REQUESTS_AFTER);
        assert.deepEqual(
          later.filter((attempt) => attempt.status === 200),
          [],
          'requests started after the revocation returned',
        );
        // Refused as an invalid token, or, once it was refused often, by the guessing throttle.
        for (const attempt of later) assert.ok([401, 429].includes(attempt.status));
        assert.ok(attempts.some((attempt) => attempt.status === 200));
      });
    }
  });
}
