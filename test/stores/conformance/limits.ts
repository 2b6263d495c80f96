import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../src/stores/store.js';

const MINUTE_MS = 60_000;

/**
 * Counters and failures may expire in real time on some backends (Redis TTLs), so these
 * tests start near the real clock with windows of minutes, and check expiry by passing a
 * later `nowMs` instead of waiting for it.
 */
export function describeLimitConformance(store: () => Store): void {
  describe('counters', () => {
    it('starts a window at the first hit', async () => {
      const nowMs = Date.now();

      const state = await store().incrementCounter('ip:203.0.113.7', 5 * MINUTE_MS, nowMs);

      assert.deepEqual(state, { count: 1, resetAtMs: nowMs + 5 * MINUTE_MS });
    });

    it('counts up inside the window without moving its end', async () => {
      const startMs = Date.now();
      const windowMs = 5 * MINUTE_MS;

      const counts = [];
      for (const offsetMs of [0, 1_000, 2_000, windowMs - 1]) {
        counts.push(await store().incrementCounter('ip:a', windowMs, startMs + offsetMs));
      }

      assert.deepEqual(
        counts,
        [1, 2, 3, 4].map((count) => ({ count, resetAtMs: startMs + windowMs })),
      );
    });

    it('starts a new window at the reset instant', async () => {
      const startMs = Date.now();
      const windowMs = 2 * MINUTE_MS;
      await store().incrementCounter('ip:a', windowMs, startMs);
      await store().incrementCounter('ip:a', windowMs, startMs + 1);

      const resetMs = startMs + windowMs;
      const state = await store().incrementCounter('ip:a', windowMs, resetMs);

      assert.deepEqual(state, { count: 1, resetAtMs: resetMs + windowMs });
      const next = await store().incrementCounter('ip:a', windowMs, resetMs + 10);
      assert.deepEqual(next, { count: 2, resetAtMs: resetMs + windowMs });
    });

    it('starts a new window with the new window length after a late hit', async () => {
      const startMs = Date.now();
      await store().incrementCounter('ip:a', MINUTE_MS, startMs);

      const lateMs = startMs + 3 * MINUTE_MS;
      const state = await store().incrementCounter('ip:a', 4 * MINUTE_MS, lateMs);

      assert.deepEqual(state, { count: 1, resetAtMs: lateMs + 4 * MINUTE_MS });
    });

    it('keeps separate counts for separate keys', async () => {
      const nowMs = Date.now();
      await store().incrementCounter('ip:a', MINUTE_MS, nowMs);
      await store().incrementCounter('ip:a', MINUTE_MS, nowMs);

      const other = await store().incrementCounter('ip:b', MINUTE_MS, nowMs + 5);

      assert.deepEqual(other, { count: 1, resetAtMs: nowMs + 5 + MINUTE_MS });
      const first = await store().incrementCounter('ip:a', MINUTE_MS, nowMs);
      assert.equal(first.count, 3);
    });
  });

  describe('login failures', () => {
    it('reads nothing for an account without failures', async () => {
      assert.equal(await store().readLoginFailures('user:ada', Date.now()), null);
    });

    it('counts failures and remembers the latest one', async () => {
      const startMs = Date.now();
      const retentionMs = 10 * MINUTE_MS;

      const first = await store().recordLoginFailure('user:ada', startMs, retentionMs);
      const second = await store().recordLoginFailure('user:ada', startMs + 1_000, retentionMs);

      assert.deepEqual(first, { failures: 1, lastFailureAtMs: startMs });
      assert.deepEqual(second, { failures: 2, lastFailureAtMs: startMs + 1_000 });
      assert.deepEqual(await store().readLoginFailures('user:ada', startMs + 2_000), second);
    });

    it('forgets failures at the retention instant after the latest one', async () => {
      const startMs = Date.now();
      const retentionMs = 2 * MINUTE_MS;
      await store().recordLoginFailure('user:ada', startMs, retentionMs);
      const latestMs = startMs + MINUTE_MS;
      await store().recordLoginFailure('user:ada', latestMs, retentionMs);

      // Past the first failure's retention but inside the latest one's: still remembered.
      const kept = await store().readLoginFailures('user:ada', startMs + retentionMs + 1);
      assert.deepEqual(kept, { failures: 2, lastFailureAtMs: latestMs });
      const justBefore = await store().readLoginFailures('user:ada', latestMs + retentionMs - 1);
      assert.deepEqual(justBefore, { failures: 2, lastFailureAtMs: latestMs });

      assert.equal(await store().readLoginFailures('user:ada', latestMs + retentionMs), null);
    });

    it('starts counting from one after the retention has passed', async () => {
      const startMs = Date.now();
      const retentionMs = MINUTE_MS;
      await store().recordLoginFailure('user:ada', startMs, retentionMs);
      await store().recordLoginFailure('user:ada', startMs + 1, retentionMs);

      const laterMs = startMs + 1 + retentionMs;
      const state = await store().recordLoginFailure('user:ada', laterMs, retentionMs);

      assert.deepEqual(state, { failures: 1, lastFailureAtMs: laterMs });
      assert.deepEqual(await store().readLoginFailures('user:ada', laterMs), state);
    });

    it('clears the failures of one account only', async () => {
      const nowMs = Date.now();
      await store().recordLoginFailure('user:ada', nowMs, MINUTE_MS);
      await store().recordLoginFailure('user:bob', nowMs, MINUTE_MS);

      await store().clearLoginFailures('user:ada');
      await store().clearLoginFailures('user:ghost');

      assert.equal(await store().readLoginFailures('user:ada', nowMs), null);
      assert.deepEqual(await store().readLoginFailures('user:bob', nowMs), {
        failures: 1,
        lastFailureAtMs: nowMs,
      });
      const again = await store().recordLoginFailure('user:ada', nowMs + 1, MINUTE_MS);
      assert.equal(again.failures, 1);
    });
  });
}
