import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_ARGON2_PARAMS,
  HasherBusyError,
  PasswordHasher,
} from '../../../src/core/passwords/password-hasher.js';

/** Cheap costs keep the functional tests fast; the costs themselves are tested separately. */
const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('PasswordHasher', () => {
  it('defaults to argon2id with 19 MiB, two passes and one lane', async () => {
    assert.deepEqual(DEFAULT_ARGON2_PARAMS, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const phc = await new PasswordHasher().hash('correct horse');
    const [, algorithm, version, params, salt, digest] = phc.split('$');
    assert.equal(algorithm, 'argon2id');
    assert.equal(version, 'v=19');
    assert.deepEqual(params?.split(',').sort(), ['m=19456', 'p=1', 't=2']);
    assert.equal(Buffer.from(salt ?? '', 'base64').length, 16);
    assert.equal(Buffer.from(digest ?? '', 'base64').length, 32);
  });

  it('salts every hash, so one password never hashes the same twice', async () => {
    const hasher = new PasswordHasher({ params: CHEAP });
    assert.notEqual(await hasher.hash('same password'), await hasher.hash('same password'));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new PasswordHasher({ params: CHEAP });
    const phc = await hasher.hash('correct horse');
    assert.equal(await hasher.verify(phc, 'correct horse'), true);
    assert.equal(await hasher.verify(phc, 'correct horsE'), false);
    assert.equal(await hasher.verify(phc, 'correct hors'), false);
  });

  it('does not truncate: a long password differs from its prefix', async () => {
    const hasher = new PasswordHasher({ params: CHEAP });
    const long = 'x'.repeat(1024);
    const phc = await hasher.hash(long);
    assert.equal(await hasher.verify(phc, long), true);
    assert.equal(await hasher.verify(phc, long.slice(0, 1023)), false);
  });

  it('answers false for malformed hashes instead of throwing', async () => {
    const hasher = new PasswordHasher({ params: CHEAP });
    const phc = await hasher.hash('correct horse');
    const malformed = ['', 'plain text', '$argon2id$', phc.slice(0, 30), phc.replace('m=', 'q=')];
    for (const bad of malformed) {
      assert.equal(await hasher.verify(bad, 'correct horse'), false, bad);
    }
    assert.equal(hasher.inFlight, 0);
  });

  it('wants a re-hash for other costs, another algorithm or a malformed hash', async () => {
    const old = new PasswordHasher({ params: CHEAP });
    const current = new PasswordHasher({ params: { ...CHEAP, timeCost: 2 } });
    const oldHash = await old.hash('correct horse');
    const currentHash = await current.hash('correct horse');

    assert.equal(current.needsRehash(oldHash), true);
    assert.equal(current.needsRehash(currentHash), false);
    assert.equal(current.needsRehash(currentHash.replace('$argon2id$', '$argon2i$')), true);
    assert.equal(current.needsRehash('not a hash'), true);
  });

  it('spends a verification on the dummy and always answers false', async () => {
    const hasher = new PasswordHasher({ params: CHEAP });
    await hasher.warmUp();
    assert.equal(await hasher.verifyAgainstDummy(''), false);
    assert.equal(await hasher.verifyAgainstDummy('anything at all'), false);
  });

  it('refuses with HasherBusyError once maxQueued hashes are waiting', async () => {
    const hasher = new PasswordHasher({ maxConcurrent: 1, maxQueued: 2, params: CHEAP });
    const accepted = [hasher.hash('one'), hasher.hash('two'), hasher.hash('three')];
    assert.equal(hasher.inFlight, 1);
    assert.equal(hasher.queued, 2);

    const refused = await Promise.allSettled([hasher.hash('four'), hasher.verify('x', 'five')]);
    for (const outcome of refused) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.status === 'rejected' && outcome.reason instanceof HasherBusyError);
      assert.equal(outcome.reason.code, 'HASHER_BUSY');
    }

    assert.equal((await Promise.all(accepted)).length, 3);
    assert.equal(hasher.inFlight, 0);
    assert.equal(hasher.queued, 0);
  });

  it('never runs more than maxConcurrent hashes at once', async () => {
    const hasher = new PasswordHasher({ maxConcurrent: 3, maxQueued: 20, params: CHEAP });
    let highest = 0;
    const watch = setInterval(() => {
      highest = Math.max(highest, hasher.inFlight);
    }, 1);
    const work = Array.from({ length: 12 }, (_, index) => hasher.hash(`password ${index}`));
    highest = Math.max(highest, hasher.inFlight);
    await Promise.all(work);
    clearInterval(watch);
    assert.equal(highest, 3);
  });

  it('refuses nonsense costs', () => {
    assert.throws(() => new PasswordHasher({ params: { memoryCost: 4 } }), RangeError);
    assert.throws(() => new PasswordHasher({ params: { timeCost: 0 } }), RangeError);
    assert.throws(() => new PasswordHasher({ params: { parallelism: 1.5 } }), RangeError);
    assert.throws(() => new PasswordHasher({ maxConcurrent: 0 }), RangeError);
  });

  it('keeps the event loop free while 16 hashes run', async () => {
    // Costly enough that hashing on the event loop would stall it far past the bounds below.
    const hasher = new PasswordHasher({
      maxConcurrent: 4,
      maxQueued: 16,
      params: { memoryCost: 32_768, timeCost: 3, parallelism: 1 },
    });
    const startedMs = performance.now();
    await hasher.hash('a single hash, timed');
    const oneHashMs = performance.now() - startedMs;

    const gapsMs = await timerGapsDuring(() =>
      Promise.all(Array.from({ length: 16 }, (_, index) => hasher.hash(`pw ${index}`))),
    );

    // Gaps past a grace period count as stalls. The share of stalled time and the 95th
    // percentile gap are used rather than the longest gap: on a busy shared machine the whole
    // process is sometimes descheduled, which says nothing about our event loop.
    const runMs = gapsMs.reduce((sum, gap) => sum + gap, 0);
    const stalledMs = gapsMs.reduce((sum, gap) => sum + Math.max(0, gap - STALL_GRACE_MS), 0);
    const gapP95Ms = [...gapsMs].sort((a, b) => a - b)[Math.floor(gapsMs.length * 0.95)] ?? 0;
    const report =
      `one hash ${oneHashMs.toFixed(0)} ms, 16 in ${runMs.toFixed(0)} ms, ` +
      `stalled ${stalledMs.toFixed(0)} ms, p95 gap ${gapP95Ms.toFixed(1)} ms`;
    assert.ok(oneHashMs > 40, report);
    assert.ok(runMs > 2 * oneHashMs, report);
    // Hashing on the event loop would stall nearly all of the run; a loaded machine stalls some.
    assert.ok(stalledMs < runMs * 0.5, report);
    assert.ok(gapP95Ms < oneHashMs / 2, report);
  });
});

const TICK_MS = 5;
const STALL_GRACE_MS = 20;

/** Runs `work` while a 5 ms timer ticks; resolves the times between ticks, in ms. */
async function timerGapsDuring(work: () => Promise<unknown>): Promise<number[]> {
  const gapsMs: number[] = [];
  let lastTickMs = performance.now();
  const ticker = setInterval(() => {
    const nowMs = performance.now();
    gapsMs.push(nowMs - lastTickMs);
    lastTickMs = nowMs;
  }, TICK_MS);
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  gapsMs.push(performance.now() - lastTickMs);
  return gapsMs;
}
