import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { RedisStore } from '../../src/stores/redis/redis-store.js';
import { StoreUnavailableError } from '../../src/stores/store.js';
import {
  type RedisServerHandle,
  redisAvailability,
  startRedisServer,
} from '../helpers/redis-server.js';
import { makeToken, makeUser } from './conformance/records.js';

const availability = redisAvailability();

/** A debug-level logger whose output the test can read back. */
function capturingLogger(): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

function messagesOf(lines: readonly string[]): string[] {
  return lines.map((line) => String((JSON.parse(line) as { msg?: unknown }).msg));
}

/** Resolves with how long `call` took to reject; fails the test when it resolves. */
async function timeRejection(call: () => Promise<unknown>): Promise<number> {
  const startMs = performance.now();
  await assert.rejects(call, StoreUnavailableError);
  return performance.now() - startMs;
}

/** Polls `ping` until it succeeds, failing after `timeoutMs`. */
async function waitUntilReady(store: RedisStore, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** A token near the real clock, so Redis keeps it for the whole test. */
function liveToken(userId: string) {
  const nowMs = Date.now();
  return {
    ...makeToken(userId),
    createdAtMs: nowMs,
    lastUsedAtMs: nowMs,
    expiresAtMs: nowMs + 3_600_000,
    idleExpiresAtMs: nowMs + 1_800_000,
  };
}

describe('RedisStore when Redis fails', { skip: availability.reason ?? false }, () => {
  const crashes: unknown[] = [];
  const recordCrash = (error: unknown): void => {
    crashes.push(error);
  };
  let server: RedisServerHandle;
  let store: RedisStore;
  let captured: ReturnType<typeof capturingLogger>;

  before(() => {
    process.on('unhandledRejection', recordCrash);
    process.on('uncaughtException', recordCrash);
  });

  after(() => {
    process.off('unhandledRejection', recordCrash);
    process.off('uncaughtException', recordCrash);
  });

  beforeEach(async () => {
    server = await startRedisServer();
    captured = capturingLogger();
    store = await RedisStore.open(server.url, { logger: captured.logger });
  });

  afterEach(async () => {
    await store.close();
    await server.stop();
    assert.deepEqual(crashes, [], 'no unhandled rejection or uncaught error');
  });

  it('rejects within two seconds while Redis is frozen, and recovers on resume', async () => {
    await store.createUser(makeUser('ada'));
    const token = liveToken('ada');
    await store.createToken(token, 10);

    server.pause();
    const elapsedMs = await timeRejection(() => store.findToken(token.digest));
    assert.ok(elapsedMs < 2000, `took ${elapsedMs} ms`);
    server.resume();

    await waitUntilReady(store, 5000);
    assert.deepEqual(await store.findToken(token.digest), token);
  });

  it('rejects within a second once Redis is stopped, for reads and writes', async () => {
    await store.ping();
    await server.stop();

    for (const call of [
      () => store.findToken('some-digest'),
      () => store.createToken(liveToken('ada'), 10),
      () => store.incrementCounter('ip:a', 60_000, Date.now()),
      () => store.recordTokenUses([{ digest: 'd', lastUsedAtMs: 1, idleExpiresAtMs: 2 }]),
      () => store.ping(),
    ]) {
      const elapsedMs = await timeRejection(call);
      assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms`);
    }
  });

  it('works again with the same instance after Redis restarts', async () => {
    await server.kill();
    await assert.rejects(() => store.ping(), StoreUnavailableError);

    await server.restart();
    await waitUntilReady(store, 5000);

    await store.createUser(makeUser('ada'));
    const token = liveToken('ada');
    await store.createToken(token, 10);
    assert.deepEqual(await store.findToken(token.digest), token);
  });

  it('logs losing and regaining the connection once each, not once per call', async () => {
    await server.stop();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      await assert.rejects(() => store.findUser('ada'), StoreUnavailableError);
    }
    await server.restart();
    await waitUntilReady(store, 5000);

    const messages = messagesOf(captured.lines());
    const lost = messages.filter((message) => message.startsWith('redis connection lost'));
    const restored = messages.filter((message) => message === 'redis connection restored');
    assert.equal(lost.length, 1, messages.join(' / '));
    assert.equal(restored.length, 1, messages.join(' / '));
  });

  it('opens while Redis is down and becomes ready when it comes up', async () => {
    await server.stop();
    const late = await RedisStore.open(server.url, { logger: captured.logger });
    try {
      await assert.rejects(() => late.ping(), StoreUnavailableError);

      await server.restart();
      await waitUntilReady(late, 5000);
      assert.equal(await late.findUser('nobody'), null);
    } finally {
      await late.close();
    }
  });

  it('closes promptly while Redis is frozen', async () => {
    server.pause();

    const startMs = performance.now();
    await store.close();

    assert.ok(performance.now() - startMs < 2000);
  });
});

describe('RedisStore credentials', { skip: availability.reason ?? false }, () => {
  let server: RedisServerHandle;
  let admin: Redis;

  before(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { lazyConnect: true });
    await admin.connect();
    await admin.config('SET', 'requirepass', 'the-right-one');
  });

  after(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  for (const [label, url] of [
    ['an unreachable server', 'redis://user:secret@127.0.0.1:1/0'],
    [
      'a server that refuses the password',
      () => `redis://default:secret@127.0.0.1:${server.port}/0`,
    ],
  ] as const) {
    it(`keeps the URL's password out of errors and logs for ${label}`, async () => {
      const { logger, lines } = capturingLogger();
      const store = await RedisStore.open(typeof url === 'string' ? url : url(), { logger });
      const errors: unknown[] = [];
      try {
        for (const call of [() => store.ping(), () => store.findToken('d')]) {
          await call().catch((error: unknown) => errors.push(error));
        }
      } finally {
        await store.close();
      }

      assert.equal(errors.length, 2);
      assert.ok(lines().length > 0, 'the failure was logged');
      for (const error of errors) {
        assert.ok(error instanceof StoreUnavailableError);
        const cause = error.cause instanceof Error ? error.cause : new Error('no cause');
        const text = [error.message, error.stack, cause.message, cause.stack].join('\n');
        assert.doesNotMatch(text, /secret/);
      }
      assert.doesNotMatch(lines().join('\n'), /secret/);
    });
  }
});
