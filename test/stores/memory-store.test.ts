import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MapSweeper } from '../../src/stores/memory/map-sweeper.js';
import { StringInterner } from '../../src/stores/memory/string-interner.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import type { TokenRecord } from '../../src/stores/store.js';
import { BASE_MS, digestsOf, HOUR_MS, makeToken } from './conformance/records.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance('MemoryStore', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});

/**
 * A token shaped like the ones the server issues, for the memory budget. Every string is flat
 * and fresh, as strings read from a request are (joined text would be a rope, larger).
 */
function realisticToken(index: number): TokenRecord {
  const createdAtMs = BASE_MS + index;
  const seed = createHash('sha256').update(String(index)).digest();
  return {
    digest: seed.toString('base64url'),
    sessionId: seed.subarray(0, 12).toString('base64url'),
    userId: Buffer.from(`user-${100_000 + index}@example.com`).toString('utf8'),
    createdAtMs,
    lastUsedAtMs: createdAtMs,
    expiresAtMs: createdAtMs + 24 * HOUR_MS,
    idleExpiresAtMs: createdAtMs + HOUR_MS,
    clientAddress: Buffer.from('127.0.0.1').toString('latin1'),
    userAgent: Buffer.from('wrk/4.2').toString('latin1'),
  };
}

/** A full collection, reached without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('gc is not exposed');
  gc();
  gc();
}

function retainedBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('MemoryStore layout', () => {
  it('keeps every field intact when a freed slot is reused by another token', async () => {
    const store = new MemoryStore();
    const gone = makeToken('ada', 0, { clientAddress: '198.51.100.1', userAgent: 'old' });
    await store.createToken(gone, 10);
    await store.deleteToken(gone.digest);

    const reuser = makeToken('bob', 5, { clientAddress: '2001:db8::2', userAgent: 'new' });
    await store.createToken(reuser, 10);
    await store.recordTokenUses([
      { digest: gone.digest, lastUsedAtMs: BASE_MS + 90, idleExpiresAtMs: BASE_MS + 9 * HOUR_MS },
    ]);

    assert.deepEqual(await store.findToken(reuser.digest), reuser);
    assert.equal(await store.findToken(gone.digest), null);
    assert.deepEqual(await store.listUserTokens('ada'), []);
  });

  it('keeps every record intact while the slab grows past its first size', async () => {
    const store = new MemoryStore();
    const tokens = Array.from({ length: 5_000 }, (_, index) => realisticToken(index));
    for (const token of tokens) await store.createToken(token, 10);

    for (const index of [0, 1_023, 1_024, 2_047, 4_999]) {
      const token = tokens[index];
      assert.ok(token);
      assert.deepEqual(await store.findToken(token.digest), token);
    }
    assert.equal(await store.countTokens(), 5_000);
  });

  it('tracks a user going from one token to several and back to none', async () => {
    const store = new MemoryStore();
    const [first, second, third] = [10, 20, 30].map((offsetMs) => makeToken('ada', offsetMs));
    assert.ok(first && second && third);

    await store.createToken(first, 10);
    await store.createToken(second, 10);
    await store.createToken(third, 10);
    await store.deleteToken(first.digest);
    await store.deleteToken(third.digest);
    assert.deepEqual(await store.listUserTokens('ada'), [second]);

    const latest = makeToken('ada', 40);
    await store.createToken(latest, 1);
    assert.deepEqual(digestsOf(await store.listUserTokens('ada')), [latest.digest]);

    assert.equal(await store.deleteUserTokens('ada'), 1);
    assert.equal(await store.countTokens(), 0);
  });

  it('replaces a token stored again under the same digest, even for another user', async () => {
    const store = new MemoryStore();
    const original = makeToken('ada', 0);
    await store.createToken(original, 10);

    const moved = { ...original, userId: 'bob', sessionId: 'session-moved' };
    await store.createToken(moved, 10);

    assert.deepEqual(await store.findToken(original.digest), moved);
    assert.deepEqual(await store.listUserTokens('ada'), []);
    assert.deepEqual(await store.listUserTokens('bob'), [moved]);
    assert.equal(await store.countTokens(), 1);
  });

  it('hands out records the store does not share', async () => {
    const store = new MemoryStore();
    const token = makeToken('ada', 0);
    await store.createToken(token, 10);

    const found = await store.findToken(token.digest);
    assert.ok(found);
    Object.assign(found, { userId: 'mallory' });

    assert.deepEqual(await store.findToken(token.digest), token);
  });

  it('holds 50,000 live tokens in under 350 bytes each', async () => {
    const count = 50_000;
    const store = new MemoryStore();
    const beforeBytes = retainedBytes();

    // Made one at a time, so the strings the store keeps count and nothing else does.
    for (let index = 0; index < count; index += 1) {
      await store.createToken(realisticToken(index), 10);
    }
    const perToken = (retainedBytes() - beforeBytes) / count;

    assert.equal(await store.countTokens(), count);
    assert.ok(perToken < 350, `${perToken.toFixed(0)} bytes per token`);
  });
});

describe('MapSweeper', () => {
  it('drops dead entries that sit behind live ones', () => {
    const resetAtMs = new Map<string, number>([['busy', 1_000]]);
    for (let index = 0; index < 20; index += 1) resetAtMs.set(`gone-${index}`, 10);
    const sweeper = new MapSweeper(resetAtMs, (atMs: number, nowMs) => nowMs >= atMs);

    for (let call = 0; call < 3; call += 1) sweeper.sweep(500);

    assert.deepEqual([...resetAtMs.keys()], ['busy']);
  });

  it('inspects no more entries per call than its budget', () => {
    const resetAtMs = new Map<string, number>();
    for (let index = 0; index < 20; index += 1) resetAtMs.set(`gone-${index}`, 10);
    const sweeper = new MapSweeper(resetAtMs, (atMs: number, nowMs) => nowMs >= atMs);

    sweeper.sweep(500, 8);

    assert.equal(resetAtMs.size, 12);
  });

  it('starts a new pass over entries added after the last one', () => {
    const resetAtMs = new Map<string, number>([['first', 10]]);
    const sweeper = new MapSweeper(resetAtMs, (atMs: number, nowMs) => nowMs >= atMs);
    sweeper.sweep(500);

    resetAtMs.set('later', 10);
    sweeper.sweep(500);

    assert.equal(resetAtMs.size, 0);
  });
});

describe('StringInterner', () => {
  it('returns the value it was given, before and after its table starts over', () => {
    const interner = new StringInterner(2);
    const values = ['a', 'b', 'c', 'a', 'd', 'b'];

    assert.deepEqual(
      values.map((value) => interner.intern(value)),
      values,
    );
  });
});
