import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Accounts } from '../../src/core/accounts.js';
import { ManualClock } from '../../src/core/clock.js';
import { HasherBusyError, PasswordHasher } from '../../src/core/passwords/password-hasher.js';
import { digestToken, mintSessionId, mintToken } from '../../src/core/tokens.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { StoreUnavailableError } from '../../src/stores/store.js';
import { mannWhitneyU, median } from '../helpers/rank-test.js';

/** |z| above this means the rank test tells two samples apart at p < 0.001, two-sided. */
const Z_LIMIT = 3.29;
const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const PASSWORD = 'quiet harbour lantern';

function setUp(hasher = new PasswordHasher({ params: CHEAP })) {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const accounts = new Accounts({ store, hasher, clock });
  return { accounts, clock, hasher, store };
}

async function giveTokens(store: MemoryStore, userId: string, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    await store.createToken(
      {
        digest: digestToken(mintToken()),
        sessionId: mintSessionId(),
        userId,
        createdAtMs: index,
        lastUsedAtMs: index,
        expiresAtMs: Number.MAX_SAFE_INTEGER,
        idleExpiresAtMs: Number.MAX_SAFE_INTEGER,
        clientAddress: '192.0.2.1',
        userAgent: 'test',
      },
      100,
    );
  }
}

describe('Accounts.addUser', () => {
  it('stores the user with an argon2id hash and the current time', async () => {
    const { accounts, clock, store } = setUp();
    assert.deepEqual(await accounts.addUser('alice', PASSWORD), { ok: true, userId: 'alice' });

    const user = await store.findUser('alice');
    assert.equal(user?.disabled, false);
    assert.equal(user?.createdAtMs, clock.nowMs());
    assert.match(user?.passwordHash ?? '', /^\$argon2id\$/);
    assert.ok(!user?.passwordHash?.includes(PASSWORD));
  });

  it('stores the id in NFC and finds it under either spelling', async () => {
    const { accounts, store } = setUp();
    assert.deepEqual(await accounts.addUser('jose\u0301', PASSWORD), {
      ok: true,
      userId: 'jos\u00e9',
    });
    assert.notEqual(await store.findUser('jos\u00e9'), null);
    assert.deepEqual(await accounts.verifyLogin('jose\u0301', PASSWORD), {
      ok: true,
      userId: 'jos\u00e9',
    });
  });

  it('refuses an invalid id with a reason safe to show', async () => {
    const { accounts, store } = setUp();
    const result = await accounts.addUser('bad\nid', PASSWORD);
    assert.deepEqual(result, {
      ok: false,
      reason: 'invalid_id',
      detail: 'the user id contains control characters',
    });
    assert.equal((await store.listUsers()).length, 0);
  });

  it('refuses weak passwords and never echoes them', async () => {
    const { accounts } = setUp();
    for (const password of ['short', 'password123', 'x'.repeat(1025)]) {
      const result = await accounts.addUser('alice', password);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason === 'weak_password');
      assert.ok(!result.ok && !result.detail?.includes(password));
    }
  });

  it('refuses a taken id, whatever the password', async () => {
    const { accounts, store } = setUp();
    await accounts.addUser('alice', PASSWORD);
    const before = await store.findUser('alice');
    const result = await accounts.addUser('alice', 'another fine password');
    assert.equal(!result.ok && result.reason, 'duplicate_id');
    assert.deepEqual(await store.findUser('alice'), before);
  });

  it('treats ids as case-sensitive', async () => {
    const { accounts } = setUp();
    await accounts.addUser('alice', PASSWORD);
    assert.deepEqual(await accounts.addUser('Alice', PASSWORD), { ok: true, userId: 'Alice' });
  });
});

describe('Accounts user management', () => {
  it('changes a password, revokes every token and says how many', async () => {
    const { accounts, store } = setUp();
    await accounts.addUser('alice', PASSWORD);
    await giveTokens(store, 'alice', 3);
    await giveTokens(store, 'bob', 1);

    assert.deepEqual(await accounts.changePassword('alice', 'new and better words'), {
      ok: true,
      userId: 'alice',
      revokedTokens: 3,
    });
    assert.equal((await store.listUserTokens('alice')).length, 0);
    assert.equal((await store.listUserTokens('bob')).length, 1);
    assert.equal((await accounts.verifyLogin('alice', PASSWORD)).ok, false);
    assert.equal((await accounts.verifyLogin('alice', 'new and better words')).ok, true);
  });

  it('refuses to change the password of an unknown id or to a weak one', async () => {
    const { accounts } = setUp();
    await accounts.addUser('alice', PASSWORD);
    const unknown = await accounts.changePassword('nobody', 'new and better words');
    assert.equal(!unknown.ok && unknown.reason, 'unknown_id');
    const weak = await accounts.changePassword('alice', 'iloveyou');
    assert.equal(!weak.ok && weak.reason, 'weak_password');
    assert.equal((await accounts.verifyLogin('alice', PASSWORD)).ok, true);
  });

  it('disables a user, revoking their tokens, and enables them again', async () => {
    const { accounts, store } = setUp();
    await accounts.addUser('alice', PASSWORD);
    await giveTokens(store, 'alice', 2);

    assert.deepEqual(await accounts.disableUser('alice'), {
      ok: true,
      userId: 'alice',
      revokedTokens: 2,
    });
    assert.equal((await store.findUser('alice'))?.disabled, true);
    assert.deepEqual(await accounts.verifyLogin('alice', PASSWORD), {
      ok: false,
      reason: 'invalid_credentials',
    });

    assert.deepEqual(await accounts.enableUser('alice'), { ok: true, userId: 'alice' });
    assert.equal((await accounts.verifyLogin('alice', PASSWORD)).ok, true);
  });

  it('removes a user and their tokens', async () => {
    const { accounts, store } = setUp();
    await accounts.addUser('alice', PASSWORD);
    await giveTokens(store, 'alice', 4);

    assert.deepEqual(await accounts.removeUser('alice'), {
      ok: true,
      userId: 'alice',
      revokedTokens: 4,
    });
    assert.equal(await store.findUser('alice'), null);
    assert.equal(await store.countTokens(), 0);
  });

  it('answers unknown_id for changes to users that do not exist', async () => {
    const { accounts } = setUp();
    for (const result of [
      await accounts.disableUser('nobody'),
      await accounts.enableUser('nobody'),
      await accounts.removeUser('nobody'),
    ]) {
      assert.deepEqual(result, { ok: false, reason: 'unknown_id', detail: 'no user has this id' });
    }
  });

  it('answers invalid_id for every change given an invalid id', async () => {
    const { accounts } = setUp();
    for (const result of [
      await accounts.changePassword('', PASSWORD),
      await accounts.disableUser(''),
      await accounts.enableUser(''),
      await accounts.removeUser(''),
    ]) {
      assert.deepEqual(result, { ok: false, reason: 'invalid_id', detail: 'the user id is empty' });
    }
  });

  it('lists users without their hashes', async () => {
    const { accounts, clock } = setUp();
    await accounts.addUser('bob', PASSWORD);
    await accounts.addUser('alice', PASSWORD);
    await accounts.disableUser('bob');
    assert.deepEqual(await accounts.listUsers(), [
      { id: 'alice', disabled: false, hasPassword: true, createdAtMs: clock.nowMs() },
      { id: 'bob', disabled: true, hasPassword: true, createdAtMs: clock.nowMs() },
    ]);
  });
});

describe('Accounts.verifyLogin', () => {
  const FAILED = { ok: false, reason: 'invalid_credentials' };

  it('accepts the right password; refuses a wrong one, an unknown id, an invalid id', async () => {
    const { accounts } = setUp();
    await accounts.addUser('alice', PASSWORD);
    assert.deepEqual(await accounts.verifyLogin('alice', PASSWORD), { ok: true, userId: 'alice' });
    assert.deepEqual(await accounts.verifyLogin('alice', 'quiet harbour lanterN'), FAILED);
    assert.deepEqual(await accounts.verifyLogin('Alice', PASSWORD), FAILED);
    assert.deepEqual(await accounts.verifyLogin('nobody', PASSWORD), FAILED);
    assert.deepEqual(await accounts.verifyLogin('bad\u0000id', PASSWORD), FAILED);
  });

  it('refuses a user made without a password', async () => {
    const { accounts, store } = setUp();
    await store.createUser({ id: 'open', passwordHash: null, disabled: false, createdAtMs: 0 });
    assert.deepEqual(await accounts.verifyLogin('open', ''), FAILED);
    assert.deepEqual(await accounts.verifyLogin('open', PASSWORD), FAILED);
  });

  it('refuses an over-long password without hashing it', async () => {
    const { accounts, hasher } = setUp();
    await accounts.addUser('alice', PASSWORD);
    const login = accounts.verifyLogin('alice', 'x'.repeat(1025));
    assert.equal(hasher.inFlight, 0);
    assert.deepEqual(await login, FAILED);
  });

  it('matches a password typed in another Unicode form', async () => {
    const { accounts } = setUp();
    await accounts.addUser('alice', 'cre\u0300me bru\u0302le\u0301e');
    assert.equal((await accounts.verifyLogin('alice', 'cr\u00e8me br\u00fbl\u00e9e')).ok, true);
  });

  it('upgrades a hash made with older costs after a successful login', async () => {
    const oldHasher = new PasswordHasher({ params: CHEAP });
    const newHasher = new PasswordHasher({ params: { ...CHEAP, timeCost: 2 } });
    const { accounts: before, store } = setUp(oldHasher);
    await before.addUser('alice', PASSWORD);
    const oldHash = (await store.findUser('alice'))?.passwordHash ?? '';
    const after = new Accounts({ store, hasher: newHasher, clock: new ManualClock() });

    assert.deepEqual(await after.verifyLogin('alice', 'wrong password!'), FAILED);
    assert.equal((await store.findUser('alice'))?.passwordHash, oldHash);

    assert.equal((await after.verifyLogin('alice', PASSWORD)).ok, true);
    const newHash = (await store.findUser('alice'))?.passwordHash ?? '';
    assert.notEqual(newHash, oldHash);
    assert.equal(newHasher.needsRehash(newHash), false);
    assert.equal((await after.verifyLogin('alice', PASSWORD)).ok, true);
  });

  it('lets a store outage through as StoreUnavailableError, not as a failed login', async () => {
    class DownStore extends MemoryStore {
      override async findUser(): Promise<never> {
        throw new StoreUnavailableError(this.kind);
      }
    }
    const store = new DownStore();
    const hasher = new PasswordHasher({ params: CHEAP });
    const accounts = new Accounts({ store, hasher, clock: new ManualClock() });
    await assert.rejects(accounts.verifyLogin('alice', PASSWORD), StoreUnavailableError);
    await assert.rejects(accounts.addUser('alice', PASSWORD), StoreUnavailableError);
  });

  it('lets a full hashing queue through as HasherBusyError', async () => {
    const hasher = new PasswordHasher({ maxConcurrent: 1, maxQueued: 0, params: CHEAP });
    const { accounts } = setUp(hasher);
    await accounts.addUser('alice', PASSWORD);
    const first = accounts.verifyLogin('alice', PASSWORD);
    await assert.rejects(accounts.verifyLogin('nobody', PASSWORD), HasherBusyError);
    assert.equal((await first).ok, true);
  });
});

/**
 * Times `count` rounds of two login kinds, interleaved so that drift in machine load falls on
 * both alike.
 */
async function timeInterleaved(
  count: number,
  first: () => Promise<unknown>,
  second: () => Promise<unknown>,
): Promise<[number[], number[]]> {
  const firstMs: number[] = [];
  const secondMs: number[] = [];
  for (let round = 0; round < count; round += 1) {
    const order = round % 2 === 0 ? [first, second] : [second, first];
    for (const attempt of order) {
      const startedMs = performance.now();
      await attempt();
      (attempt === first ? firstMs : secondMs).push(performance.now() - startedMs);
    }
  }
  return [firstMs, secondMs];
}

describe('Accounts.verifyLogin timing', () => {
  const ROUNDS = 30;

  it('takes the same time for an unknown id as for a wrong password', async () => {
    // Production costs: the point is that the real hash dominates both paths.
    const { accounts, hasher } = setUp(new PasswordHasher());
    await accounts.addUser('alice', PASSWORD);
    await hasher.warmUp();
    await timeInterleaved(
      3,
      () => accounts.verifyLogin('nobody', PASSWORD),
      () => accounts.verifyLogin('alice', 'wrong password'),
    );

    const [unknownMs, wrongMs] = await timeInterleaved(
      ROUNDS,
      () => accounts.verifyLogin('nobody', PASSWORD),
      () => accounts.verifyLogin('alice', 'wrong password'),
    );

    const unknownMedian = median(unknownMs);
    const wrongMedian = median(wrongMs);
    const { z } = mannWhitneyU(unknownMs, wrongMs);
    const report =
      `medians ${unknownMedian.toFixed(2)} / ${wrongMedian.toFixed(2)} ms, ` + `z ${z.toFixed(2)}`;
    assert.ok(Math.abs(unknownMedian - wrongMedian) / wrongMedian < 0.35, report);
    assert.ok(Math.abs(z) < Z_LIMIT, report);
  });

  it('would notice a login path that skips the hash', async () => {
    // The same measurement against a path known to be fast shows the test has the power to
    // fail: an over-long password is refused before any hashing.
    const { accounts } = setUp(new PasswordHasher());
    await accounts.addUser('alice', PASSWORD);
    const [skippedMs, wrongMs] = await timeInterleaved(
      12,
      () => accounts.verifyLogin('alice', 'x'.repeat(1025)),
      () => accounts.verifyLogin('alice', 'wrong password'),
    );
    assert.ok(Math.abs(mannWhitneyU(skippedMs, wrongMs).z) > Z_LIMIT);
  });
});

describe('mannWhitneyU', () => {
  it('finds no difference between a sample and its own shuffle', () => {
    const sample = Array.from({ length: 30 }, (_, index) => (index * 7919) % 101);
    assert.ok(Math.abs(mannWhitneyU(sample, [...sample].reverse()).z) < 0.01);
  });

  it('finds a clear shift between two samples', () => {
    const low = Array.from({ length: 30 }, (_, index) => index);
    const high = low.map((value) => value + 25);
    assert.ok(mannWhitneyU(low, high).z < -Z_LIMIT);
  });

  it('puts the median of an even sample between its middle values', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([5, 1, 3]), 3);
  });
});
