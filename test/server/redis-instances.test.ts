import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { DEFAULT_FREE_FAILURES } from '../../src/core/login-throttle.js';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { runCli } from '../helpers/run-cli.js';
import { form, loginOpen, startTestServer, type TestServer } from '../helpers/test-server.js';

const availability = redisAvailability();
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a different horse entirely';

function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

async function meStatus(server: TestServer, token: string): Promise<number> {
  const response = await fetch(`${server.url}/me`, bearer(token));
  await response.arrayBuffer();
  return response.status;
}

async function passwordLogin(server: TestServer, id: string, password: string) {
  return fetch(`${server.url}/login`, { method: 'POST', ...form({ id, password }) });
}

async function tokenOf(response: Response): Promise<string> {
  assert.equal(response.status, 200);
  return ((await response.json()) as { token: string }).token;
}

describe('two instances on one Redis', { skip: availability.reason ?? false }, () => {
  let redis: RedisServerHandle;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    redis = await startRedisServer();
    a = await startTestServer({ '--store': redis.url });
    b = await startTestServer({ '--store': redis.url });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('accepts a token minted on one instance on the other at once', async () => {
    const token = await loginOpen(a.url, 'ada');

    const me = await fetch(`${b.url}/me`, bearer(token));
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { id: string }).id, 'ada');
    const verify = await fetch(`${b.url}/verify`, bearer(token));
    assert.equal(verify.status, 200);
    assert.equal(verify.headers.get('x-auth-user'), 'ada');
  });

  it('refuses a token on the other instance as soon as it is logged out on one', async () => {
    const token = await loginOpen(a.url, 'bo');
    assert.equal(await meStatus(b, token), 200);

    const logout = await fetch(`${a.url}/logout`, { method: 'POST', ...bearer(token) });
    assert.equal(logout.status, 200);

    assert.equal(await meStatus(b, token), 401);
    assert.equal((await fetch(`${b.url}/verify`, bearer(token))).status, 401);
  });

  it('ends sessions made on both instances with one logout-all', async () => {
    const fromA = await loginOpen(a.url, 'cy');
    const fromB = await loginOpen(b.url, 'cy');
    const bystander = await loginOpen(a.url, 'di');

    const all = await fetch(`${b.url}/logout/all`, { method: 'POST', ...bearer(fromB) });
    assert.equal(all.status, 200);
    assert.equal(((await all.json()) as { revoked: number }).revoked, 2);

    for (const server of [a, b]) {
      assert.equal(await meStatus(server, fromA), 401);
      assert.equal(await meStatus(server, fromB), 401);
      assert.equal(await meStatus(server, bystander), 200);
    }
  });

  it('lists and revokes sessions across instances', async () => {
    const fromA = await loginOpen(a.url, 'ed');
    const fromB = await loginOpen(b.url, 'ed');

    const listing = await fetch(`${a.url}/sessions`, bearer(fromA));
    const { sessions } = (await listing.json()) as { sessions: { id: string; current: boolean }[] };
    assert.equal(sessions.length, 2);
    const other = sessions.find((session) => !session.current);
    assert.ok(other);

    const revoke = await fetch(`${a.url}/sessions/${other.id}`, {
      method: 'DELETE',
      ...bearer(fromA),
    });
    assert.equal(revoke.status, 200);
    assert.equal(await meStatus(b, fromB), 401);
    assert.equal(await meStatus(b, fromA), 200);
  });
});

describe('two password-login instances on one Redis', {
  skip: availability.reason ?? false,
}, () => {
  let redis: RedisServerHandle;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    redis = await startRedisServer();
    a = await startTestServer({ '--store': redis.url, '--login': 'password' });
    b = await startTestServer({ '--store': redis.url, '--login': 'password' });
    for (const id of ['fay', 'gus', 'hal']) {
      assert.ok((await a.services.accounts.addUser(id, PASSWORD)).ok);
    }
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('revokes tokens on both instances when the password changes on one', async () => {
    const fromA = await tokenOf(await passwordLogin(a, 'fay', PASSWORD));
    const fromB = await tokenOf(await passwordLogin(b, 'fay', PASSWORD));

    const changed = await a.services.accounts.changePassword('fay', NEW_PASSWORD);
    assert.ok(changed.ok);
    assert.equal(changed.revokedTokens, 2);

    for (const server of [a, b]) {
      assert.equal(await meStatus(server, fromA), 401);
      assert.equal(await meStatus(server, fromB), 401);
    }
    assert.equal((await passwordLogin(b, 'fay', PASSWORD)).status, 401);
    assert.equal((await passwordLogin(b, 'fay', NEW_PASSWORD)).status, 200);
  });

  it('revokes tokens on running instances when `tokenauth users passwd` changes it', async () => {
    const fromA = await tokenOf(await passwordLogin(a, 'gus', PASSWORD));
    const fromB = await tokenOf(await passwordLogin(b, 'gus', PASSWORD));

    const result = await runCli(
      ['users', 'passwd', 'gus', '--password-stdin', '--store', redis.url],
      { stdin: `${NEW_PASSWORD}\n` },
    );
    assert.equal(result.code, 0, result.stderr);

    assert.equal(await meStatus(a, fromA), 401);
    assert.equal(await meStatus(b, fromB), 401);
    assert.equal((await passwordLogin(a, 'gus', NEW_PASSWORD)).status, 200);
  });

  it('counts failed logins across instances toward one lockout', async () => {
    // Alternating, each instance sees only half the failures: alone, neither would lock.
    for (let attempt = 0; attempt <= DEFAULT_FREE_FAILURES; attempt += 1) {
      const server = attempt % 2 === 0 ? a : b;
      const response = await passwordLogin(server, 'hal', 'not the password');
      assert.equal(response.status, 401, `attempt ${attempt + 1}`);
    }

    for (const server of [a, b]) {
      const locked = await passwordLogin(server, 'hal', PASSWORD);
      assert.equal(locked.status, 429);
      assert.deepEqual(await locked.json(), { error: 'Too many login attempts' });
      assert.ok(locked.headers.get('retry-after'));
    }
  });
});

const REDIS_DOCS = join(import.meta.dirname, '../../../docs/redis.md');

/** The ACL rule of docs/redis.md, so that the documented rule is the one tested. */
function documentedAclRule(password: string): string[] {
  const docs = readFileSync(REDIS_DOCS, 'utf8');
  const line = /^ACL SETUSER tokenauth .*$/m.exec(docs)?.[0];
  assert.ok(line, 'docs/redis.md holds an ACL SETUSER tokenauth line');
  return line.replace('>CHANGE-ME', `>${password}`).split(' ').slice(1);
}

describe('instances under the ACL user of docs/redis.md', {
  skip: availability.reason ?? false,
}, () => {
  let redis: RedisServerHandle;
  let admin: Redis;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
    await admin.call('ACL', ...documentedAclRule('acl-test-password'));
    // Database 2, so that the rule is also tried with SELECT.
    const url = `redis://tokenauth:acl-test-password@127.0.0.1:${redis.port}/2`;
    a = await startTestServer({ '--store': url, '--login': 'password' });
    b = await startTestServer({ '--store': url, '--login': 'password' });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('is the rule the walkthrough puts in redis.conf', () => {
    const rulesAfterPassword = (line: string) => line.split(' ').slice(4).join(' ');
    const documented = rulesAfterPassword(documentedAclRule('x').join(' '));
    const configLines = readFileSync(REDIS_DOCS, 'utf8').match(/^ *user tokenauth on .*$/gm);
    assert.ok(configLines && configLines.length > 0);
    for (const line of configLines) {
      assert.equal(rulesAfterPassword(`${line.trim().replace(/^user/, 'SETUSER')}`), documented);
    }
  });

  it('runs every kind of store operation without a refused command', async () => {
    assert.ok((await a.services.accounts.addUser('ivy', PASSWORD)).ok);
    assert.equal((await passwordLogin(b, 'ivy', 'not the password')).status, 401);
    const token = await tokenOf(await passwordLogin(b, 'ivy', PASSWORD));
    const other = await tokenOf(await passwordLogin(a, 'ivy', PASSWORD));

    assert.equal(await meStatus(a, token), 200);
    assert.equal((await fetch(`${a.url}/sessions`, bearer(token))).status, 200);
    await a.services.usage.flush();
    assert.equal(
      (await fetch(`${b.url}/logout`, { method: 'POST', ...bearer(other) })).status,
      200,
    );
    assert.equal((await fetch(`${a.url}/readyz`)).status, 200);
    assert.match(await (await fetch(`${a.url}/metrics`)).text(), /tokenauth_live_tokens/);
    await a.services.tokens.sweepExpired();

    const store = a.services.store;
    await store.saveClient({ name: 'gateway', secretDigests: ['x'], createdAtMs: Date.now() });
    assert.equal((await store.listClients()).length, 1);
    assert.ok(await store.deleteClient('gateway'));
    assert.ok((await a.services.accounts.changePassword('ivy', NEW_PASSWORD)).ok);
    assert.equal(await meStatus(b, token), 401);
    assert.ok((await a.services.accounts.removeUser('ivy')).ok);

    assert.deepEqual(await admin.call('ACL', 'LOG'), [], 'Redis refused no command');
    assert.ok((await admin.keys('*')).length === 0, 'nothing was written to database 0');
  });
});
