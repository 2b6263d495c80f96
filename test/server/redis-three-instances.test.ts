import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ADDRESS_LIMITS } from '../../src/core/login-throttle.js';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { form, startTestServer, type TestServer } from '../helpers/test-server.js';

const availability = redisAvailability();
// The logged-out half is presented on all three instances: 8 × 3 rejected tokens stay under the
// per-address guessing limit (GUESS_LIMIT), which would otherwise answer 429.
const USERS = 16;
const PASSWORD = 'correct horse battery staple';

async function status(server: TestServer, path: string, token: string, method = 'GET') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

async function login(server: TestServer, fields: Record<string, string>) {
  const response = await fetch(`${server.url}/login`, { method: 'POST', ...form(fields) });
  const body = (await response.json()) as { token?: string };
  return { status: response.status, token: body.token };
}

function assertAll(codes: number[], expected: number, what: string): void {
  assert.deepEqual(codes, Array(codes.length).fill(expected), what);
}

/** Every pair (token, instance) at once, so the instances serve interleaved requests. */
async function statusesEverywhere(servers: TestServer[], tokens: string[]): Promise<number[]> {
  return Promise.all(tokens.flatMap((token) => servers.map((s) => status(s, '/me', token))));
}

/** A redis-server of its own and three servers on it, closed after the suite. */
function useThreeInstances(login: 'open' | 'password'): { servers: TestServer[] } {
  const fleet: { servers: TestServer[] } = { servers: [] };
  let redis: RedisServerHandle | undefined;
  before(async () => {
    const started = await startRedisServer();
    redis = started;
    fleet.servers = await Promise.all(
      [0, 1, 2].map(() => startTestServer({ '--store': started.url, '--login': login })),
    );
  });
  after(async () => {
    await Promise.all(fleet.servers.map((server) => server.close()));
    await redis?.stop();
  });
  return fleet;
}

describe('three instances on one Redis under concurrent load', {
  skip: availability.reason ?? false,
}, () => {
  const fleet = useThreeInstances('open');

  it('accepts every token everywhere at once, and refuses each logged-out one everywhere', async () => {
    const pick = (i: number) => fleet.servers[i % fleet.servers.length] as TestServer;
    const logins = await Promise.all(
      Array.from({ length: USERS }, (_, i) => login(pick(i), { id: `load-${i}` })),
    );
    const tokens = logins.map(({ status: code, token }) => {
      assert.equal(code, 200);
      assert.ok(token);
      return token;
    });
    assertAll(await statusesEverywhere(fleet.servers, tokens), 200, 'fresh tokens, every instance');

    // Half the tokens are logged out, each on another instance than the one that minted it,
    // while the other half keep being used on all three.
    const leaving = tokens.filter((_, i) => i % 2 === 0);
    const staying = tokens.filter((_, i) => i % 2 === 1);
    const [logouts, during] = await Promise.all([
      Promise.all(leaving.map((token, i) => status(pick(i + 1), '/logout', token, 'POST'))),
      statusesEverywhere(fleet.servers, staying),
    ]);
    assertAll(logouts, 200, 'logouts');
    assertAll(during, 200, 'tokens in use during the logouts');

    assertAll(await statusesEverywhere(fleet.servers, leaving), 401, 'logged out, every instance');
    assertAll(await statusesEverywhere(fleet.servers, staying), 200, 'still live, every instance');
  });
});

describe('three password-login instances on one Redis share the address limit', {
  skip: availability.reason ?? false,
}, () => {
  const fleet = useThreeInstances('password');
  before(async () => {
    assert.ok((await fleet.servers[0]?.services.accounts.addUser('ivy', PASSWORD))?.ok);
  });

  it('lets exactly the per-minute number of attempts through, whichever instance takes them', async () => {
    const perMinute = DEFAULT_ADDRESS_LIMITS[0]?.max ?? 0;
    const attempts = perMinute + 10;
    // Each attempt names an id of its own, so only the address limit can refuse it.
    const answers = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        login(fleet.servers[i % fleet.servers.length] as TestServer, {
          id: `nobody-${i}`,
          password: 'x',
        }),
      ),
    );

    const refused = answers.filter((answer) => answer.status === 429).length;
    const judged = answers.filter((answer) => answer.status === 401).length;
    assert.equal(judged, perMinute);
    assert.equal(refused, attempts - perMinute);

    for (const server of fleet.servers) {
      const right = await login(server, { id: 'ivy', password: PASSWORD });
      assert.equal(right.status, 429, 'the address is over its limit on every instance');
    }
  });
});
