import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import {
  DEFAULT_ADDRESS_LIMITS,
  LoginThrottle,
  type LoginThrottleOptions,
} from '../../src/core/login-throttle.js';
import { MemoryStore } from '../../src/stores/memory-store.js';

const ADDRESS = '192.0.2.1';
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

function setUp(options: Partial<LoginThrottleOptions> = {}) {
  const clock = new ManualClock();
  const store = new MemoryStore();
  // Address limits off by default, so account tests can make as many attempts as they like.
  const throttle = new LoginThrottle({ store, clock, addressLimits: [], ...options });
  return { clock, store, throttle };
}

async function fail(throttle: LoginThrottle, accountId: string, times: number): Promise<void> {
  for (let index = 0; index < times; index += 1) await throttle.recordFailure(accountId);
}

describe('LoginThrottle, per account', () => {
  it('lets five failures through without a wait', async () => {
    const { throttle } = setUp();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
      await throttle.recordFailure('alice');
    }
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
  });

  it('waits 1 s, 2 s, 4 s … after the fifth failure, capped at 15 minutes', async () => {
    const { clock, throttle } = setUp();
    await fail(throttle, 'alice', 5);

    const expectedWaitsSeconds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900];
    for (const waitSeconds of expectedWaitsSeconds) {
      await throttle.recordFailure('alice');
      assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), {
        allowed: false,
        retryAfterSeconds: waitSeconds,
      });
      clock.advance(waitSeconds * 1000 - 1);
      assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), {
        allowed: false,
        retryAfterSeconds: 1,
      });
      clock.advance(1);
      assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
    }
  });

  it('counts the wait from the latest failure', async () => {
    const { clock, throttle } = setUp();
    await fail(throttle, 'alice', 6);
    clock.advance(1000);
    await throttle.recordFailure('alice');
    clock.advance(500);
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), {
      allowed: false,
      retryAfterSeconds: 2,
    });
  });

  it('never locks for good: after 100 failures the account opens in 15 minutes', async () => {
    const { clock, throttle } = setUp();
    await fail(throttle, 'alice', 100);
    clock.advance(15 * MINUTE_MS);
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
  });

  it('forgets everything after a success', async () => {
    const { clock, throttle } = setUp();
    await fail(throttle, 'alice', 8);
    clock.advance(4000);
    await throttle.recordSuccess('alice');

    await fail(throttle, 'alice', 5);
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
  });

  it('forgets failures 24 hours after the latest one', async () => {
    const { clock, throttle } = setUp();
    await fail(throttle, 'alice', 10);
    clock.advance(24 * HOUR_MS - 1);
    await throttle.recordFailure('alice');
    assert.equal((await throttle.checkAndCount('alice', ADDRESS)).allowed, false);

    clock.advance(24 * HOUR_MS);
    await fail(throttle, 'alice', 5);
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
  });

  it('keeps accounts apart', async () => {
    const { throttle } = setUp();
    await fail(throttle, 'alice', 6);
    assert.equal((await throttle.checkAndCount('alice', ADDRESS)).allowed, false);
    assert.deepEqual(await throttle.checkAndCount('bob', ADDRESS), { allowed: true });
  });

  it('throttles an id the same whether or not such a user exists', async () => {
    // The throttle never looks users up: the store below holds no users at all.
    const { clock, store, throttle } = setUp();
    await fail(throttle, 'nobody', 6);
    assert.equal((await store.listUsers()).length, 0);
    assert.deepEqual(await throttle.checkAndCount('nobody', ADDRESS), {
      allowed: false,
      retryAfterSeconds: 1,
    });
    assert.notEqual(await store.readLoginFailures('login:acct:nobody', clock.nowMs()), null);
  });

  it('treats composed and decomposed spellings of an id as one account', async () => {
    const { throttle } = setUp();
    await fail(throttle, 'jose\u0301', 6);
    assert.equal((await throttle.checkAndCount('jos\u00e9', ADDRESS)).allowed, false);
  });

  it('throttles ids that could never be valid without storing them raw', async () => {
    const { clock, store, throttle } = setUp();
    const invalid = `evil\u0000${'x'.repeat(5000)}`;
    await fail(throttle, invalid, 6);
    assert.equal((await throttle.checkAndCount(invalid, ADDRESS)).allowed, false);
    assert.equal(await store.readLoginFailures(`login:acct:${invalid}`, clock.nowMs()), null);
  });

  it('takes its schedule from the options', async () => {
    const { throttle } = setUp({ freeFailures: 0, maxDelayMs: 3000 });
    assert.deepEqual(
      [1, 2, 3, 4].map((failures) => throttle.delayAfter(failures)),
      [1000, 2000, 3000, 3000],
    );
  });
});

describe('LoginThrottle, per address', () => {
  it('refuses the 21st attempt in a minute from one address until the minute ends', async () => {
    const { clock, throttle } = setUp({ addressLimits: DEFAULT_ADDRESS_LIMITS });
    for (let attempt = 0; attempt < 20; attempt += 1) {
      assert.deepEqual(await throttle.checkAndCount(`user${attempt}`, ADDRESS), { allowed: true });
    }
    clock.advance(15_000);
    assert.deepEqual(await throttle.checkAndCount('user99', ADDRESS), {
      allowed: false,
      retryAfterSeconds: 45,
    });
    assert.deepEqual(await throttle.checkAndCount('user99', '192.0.2.2'), { allowed: true });

    clock.advance(45_000);
    assert.deepEqual(await throttle.checkAndCount('user99', ADDRESS), { allowed: true });
  });

  it('allows 200 attempts an hour and then refuses until the hour ends', async () => {
    const { clock, throttle } = setUp({ addressLimits: DEFAULT_ADDRESS_LIMITS });
    for (let minute = 0; minute < 10; minute += 1) {
      for (let attempt = 0; attempt < 20; attempt += 1) {
        assert.equal((await throttle.checkAndCount('alice', ADDRESS)).allowed, true);
      }
      clock.advance(MINUTE_MS);
    }
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), {
      allowed: false,
      retryAfterSeconds: 50 * 60,
    });
    clock.advance(50 * MINUTE_MS);
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), { allowed: true });
  });

  it('counts refused attempts too, so hammering does not shorten the wait', async () => {
    const { clock, store, throttle } = setUp({ addressLimits: [{ windowMs: MINUTE_MS, max: 2 }] });
    for (let attempt = 0; attempt < 5; attempt += 1) await throttle.checkAndCount('a', ADDRESS);
    // One more increment here, to read the counter: five attempts plus this one.
    const key = `login:addr:${ADDRESS}:60000`;
    const counter = await store.incrementCounter(key, MINUTE_MS, clock.nowMs());
    assert.equal(counter.count, 6);
    clock.advance(MINUTE_MS);
    assert.deepEqual(await throttle.checkAndCount('a', ADDRESS), { allowed: true });
  });

  it('answers the longer wait when both the address and the account are throttled', async () => {
    const { throttle } = setUp({ addressLimits: [{ windowMs: MINUTE_MS, max: 1 }] });
    await fail(throttle, 'alice', 7);
    await throttle.checkAndCount('alice', ADDRESS);
    assert.deepEqual(await throttle.checkAndCount('alice', ADDRESS), {
      allowed: false,
      retryAfterSeconds: 60,
    });
  });
});

describe('LoginThrottle options', () => {
  it('refuses nonsense settings at construction', () => {
    const base = { store: new MemoryStore(), clock: new ManualClock() };
    assert.throws(() => new LoginThrottle({ ...base, freeFailures: -1 }), RangeError);
    assert.throws(() => new LoginThrottle({ ...base, maxDelayMs: 10 }), RangeError);
    assert.throws(() => new LoginThrottle({ ...base, failureRetentionMs: 1000 }), RangeError);
    assert.throws(
      () => new LoginThrottle({ ...base, addressLimits: [{ windowMs: 0, max: 1 }] }),
      RangeError,
    );
    assert.throws(
      () => new LoginThrottle({ ...base, addressLimits: [{ windowMs: 1000, max: 0 }] }),
      RangeError,
    );
  });
});
