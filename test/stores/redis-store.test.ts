import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { encodeId } from '../../src/stores/redis/redis-keys.js';
import { RedisStore } from '../../src/stores/redis/redis-store.js';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { AWKWARD_IDS, makeToken, makeUser } from './conformance/records.js';
import { describeStoreConformance } from './conformance.js';

const availability = redisAvailability();
const logger = pino({ level: 'silent' });

describe('RedisStore', { skip: availability.reason ?? false }, () => {
  let server: RedisServerHandle;
  /** A plain client for looking behind the store's back: flushing, TTLs, key names. */
  let admin: Redis;

  before(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { lazyConnect: true });
    await admin.connect();
  });

  after(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  describeStoreConformance('conformance', async () => {
    await admin.flushdb();
    const store = await RedisStore.open(server.url, { logger });
    return { store, cleanup: () => store.close() };
  });

  describe('Redis specifics', () => {
    let store: RedisStore;

    beforeEach(async () => {
      await admin.flushdb();
      store = await RedisStore.open(server.url, { logger });
    });

    afterEach(async () => {
      await store.close();
    });

    it('expires a token key at its absolute expiry instant', async () => {
      await store.createUser(makeUser('ada'));
      const token = futureToken('ada', 0);
      await store.createToken(token, 10);

      const expiresAtMs = await admin.pexpiretime(`tokenauth:token:${token.digest}`);

      assert.equal(expiresAtMs, token.expiresAtMs);
    });

    it('drops a token whose absolute expiry has already passed in real time', async () => {
      await store.createUser(makeUser('ada'));
      const token = makeToken('ada', 0, { expiresAtMs: Date.now() - 1 });

      await store.createToken(token, 10);

      assert.equal(await store.findToken(token.digest), null);
      assert.equal(await store.countTokens(), 0);
    });

    it('leaves no key without an expiry among tokens, counters and login failures', async () => {
      await store.createUser(makeUser('ada'));
      await store.createToken(futureToken('ada', 0), 10);
      await store.recordTokenUses([]);
      await store.incrementCounter('ip:203.0.113.7', 60_000, Date.now());
      await store.incrementCounter('ip:203.0.113.7', 60_000, Date.now());
      await store.recordLoginFailure('user:ada', Date.now(), 60_000);

      const keys = await admin.keys('tokenauth:*');
      const expiring = keys.filter((key) =>
        /:(token|user-tokens|counter|login-failures)/.test(key),
      );
      assert.equal(expiring.length, 5, keys.join(', '));
      for (const key of expiring) assert.ok((await admin.pttl(key)) > 0, `${key} has no TTL`);
    });

    it('restores a lost counter TTL without resetting the count', async () => {
      const nowMs = Date.now();
      await store.incrementCounter('ip:a', 60_000, nowMs);
      const [key] = await admin.keys('tokenauth:counter:*');
      assert.ok(key);
      await admin.persist(key);

      const state = await store.incrementCounter('ip:a', 60_000, nowMs + 1);

      assert.deepEqual(state, { count: 2, resetAtMs: nowMs + 60_000 });
      assert.ok((await admin.pttl(key)) > 0);
    });

    it('builds key names without the raw characters of ids', async () => {
      for (const id of AWKWARD_IDS) {
        await store.createUser(makeUser(id));
        await store.createToken(futureToken(id, 0), 10);
        await store.incrementCounter(id, 60_000, Date.now());
        await store.recordLoginFailure(id, Date.now(), 60_000);
        await store.saveClient({ name: id, secretDigests: ['s'], createdAtMs: 1 });
      }

      const keys = await admin.keys('*');
      for (const key of keys) assert.match(key, /^tokenauth:[a-z-]+(:[A-Za-z0-9_-]+)?$/, key);
      assert.ok(keys.includes(`tokenauth:user-tokens:${encodeId('a*b')}`));
    });

    it('keeps its keys under the chosen prefix', async () => {
      const other = await RedisStore.open(server.url, { logger, keyPrefix: 'other:' });
      try {
        await other.createUser(makeUser('ada'));
        await other.createToken(futureToken('ada', 0), 10);

        assert.equal(await store.findUser('ada'), null);
        assert.equal(await store.countTokens(), 0);
        assert.equal(await other.countTokens(), 1);
        assert.deepEqual(await admin.keys('tokenauth:*'), []);
      } finally {
        await other.close();
      }
    });

    it("shows one instance's writes to another at once", async () => {
      const peer = await RedisStore.open(server.url, { logger });
      try {
        await store.createUser(makeUser('ada'));
        const token = futureToken('ada', 0);
        await store.createToken(token, 10);

        assert.deepEqual(await peer.findToken(token.digest), token);
        assert.equal(await store.deleteUserTokens('ada'), 1);
        assert.equal(await peer.findToken(token.digest), null);
        assert.deepEqual(await peer.listUserTokens('ada'), []);
      } finally {
        await peer.close();
      }
    });

    it('keeps the limit when two instances create tokens for one user at once', async () => {
      const peer = await RedisStore.open(server.url, { logger });
      try {
        await store.createUser(makeUser('ada'));
        const tokens = Array.from({ length: 40 }, (_, index) => futureToken('ada', index));

        await Promise.all(
          tokens.map((token, index) => (index % 2 ? peer : store).createToken(token, 5)),
        );

        assert.equal((await store.listUserTokens('ada')).length, 5);
        assert.equal(await peer.countTokens(), 5);
      } finally {
        await peer.close();
      }
    });

    it('keeps creation order among tokens created in the same millisecond', async () => {
      await store.createUser(makeUser('ada'));
      const tokens = Array.from({ length: 4 }, () => futureToken('ada', 0));
      for (const token of tokens) await store.createToken(token, 3);

      const listed = await store.listUserTokens('ada');

      assert.deepEqual(
        listed.map((token) => token.digest),
        tokens.slice(1).map((token) => token.digest),
      );
    });

    it('forgets index entries of tokens that Redis expired', async () => {
      await store.createUser(makeUser('ada'));
      const kept = futureToken('ada', 0);
      // Newer than `kept` but past its absolute expiry in real time: Redis drops it at once.
      const expired = { ...futureToken('ada', 10), expiresAtMs: Date.now() - 1 };
      await store.createToken(kept, 2);
      await store.createToken(expired, 2);

      assert.equal(await store.countTokens(), 1);
      const newest = futureToken('ada', 20);
      await store.createToken(newest, 2);

      const listed = await store.listUserTokens('ada');
      assert.deepEqual(
        listed.map((token) => token.digest),
        [kept.digest, newest.digest],
      );
    });
  });
});

/** A token whose times are near the real clock, so Redis keeps it for the test's duration. */
function futureToken(userId: string, createdOffsetMs: number) {
  const nowMs = Date.now();
  const token = makeToken(userId, 0);
  return {
    ...token,
    createdAtMs: nowMs + createdOffsetMs,
    lastUsedAtMs: nowMs + createdOffsetMs,
    expiresAtMs: nowMs + 3_600_000,
    idleExpiresAtMs: nowMs + 1_800_000,
  };
}
