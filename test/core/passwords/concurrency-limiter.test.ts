import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConcurrencyLimiter } from '../../../src/core/passwords/concurrency-limiter.js';

class FullError extends Error {}

/** A job the test finishes by hand, so the limiter's state can be read in between. */
function manualJob(): { job: () => Promise<string>; started: () => boolean; finish: () => void } {
  let started = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    job: async () => {
      started = true;
      await done;
      return 'done';
    },
    started: () => started,
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimiter', () => {
  it('runs at most maxConcurrent jobs and queues the rest in order', async () => {
    const limiter = new ConcurrencyLimiter(2, 5, () => new FullError());
    const jobs = [manualJob(), manualJob(), manualJob()];
    const results = jobs.map((job) => limiter.run(job.job));
    await settle();

    assert.deepEqual(
      jobs.map((job) => job.started()),
      [true, true, false],
    );
    assert.equal(limiter.inFlight, 2);
    assert.equal(limiter.queued, 1);

    jobs[0]?.finish();
    await settle();
    assert.equal(jobs[2]?.started(), true);
    assert.equal(limiter.inFlight, 2);
    assert.equal(limiter.queued, 0);

    jobs[1]?.finish();
    jobs[2]?.finish();
    assert.deepEqual(await Promise.all(results), ['done', 'done', 'done']);
    assert.equal(limiter.inFlight, 0);
  });

  it('refuses at once when the queue is full, without disturbing the others', async () => {
    const limiter = new ConcurrencyLimiter(1, 1, () => new FullError());
    const running = manualJob();
    const waiting = manualJob();
    const first = limiter.run(running.job);
    const second = limiter.run(waiting.job);

    await assert.rejects(limiter.run(manualJob().job), FullError);
    assert.equal(limiter.inFlight, 1);
    assert.equal(limiter.queued, 1);

    running.finish();
    waiting.finish();
    assert.deepEqual(await Promise.all([first, second]), ['done', 'done']);
  });

  it('frees the slot when a job fails', async () => {
    const limiter = new ConcurrencyLimiter(1, 0, () => new FullError());
    await assert.rejects(
      limiter.run(async () => {
        throw new Error('job failed');
      }),
      /job failed/,
    );
    assert.equal(limiter.inFlight, 0);
    assert.equal(await limiter.run(async () => 'next'), 'next');
  });

  it('refuses nonsense limits', () => {
    assert.throws(() => new ConcurrencyLimiter(0, 1, () => new FullError()), RangeError);
    assert.throws(() => new ConcurrencyLimiter(1, -1, () => new FullError()), RangeError);
    assert.throws(() => new ConcurrencyLimiter(1.5, 1, () => new FullError()), RangeError);
  });
});
