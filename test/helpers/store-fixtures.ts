import { join } from 'node:path';
import { redisAvailability, startRedisServer } from './redis-server.js';
import { makeTempDir } from './temp-dir.js';

export type StoreKind = 'memory' | 'sqlite' | 'redis';

/** A fresh, empty backing store and the `startTestServer` flags that point at it. */
export interface OpenedStore {
  readonly flags: Readonly<Record<string, string>>;
  /** False for the memory store: a second server cannot see the first one's tokens. */
  readonly shared: boolean;
  /** Deletes the temp file or stops the redis-server; call after closing the servers. */
  cleanup(): Promise<void>;
}

export interface StoreFixture {
  readonly kind: StoreKind;
  /** Why this kind cannot run here (Redis missing outside CI), for `describe`'s `skip`. */
  readonly skip: string | false;
  open(): Promise<OpenedStore>;
}

/**
 * One fixture per store kind, so a suite can run every rule on memory, on a SQLite file in a
 * temp dir and on a real redis-server. Each `open()` makes a store of its own: tests never
 * see each other's tokens. Without redis-server the Redis fixture is skipped with the reason
 * (an error under CI=true, as redisAvailability decides).
 */
export function storeFixtures(): StoreFixture[] {
  const redis = redisAvailability();
  return [
    { kind: 'memory', skip: false, open: openMemory },
    { kind: 'sqlite', skip: false, open: openSqlite },
    {
      kind: 'redis',
      skip: redis.available ? false : (redis.reason ?? 'no redis'),
      open: openRedis,
    },
  ];
}

async function openMemory(): Promise<OpenedStore> {
  return { flags: { '--store': 'memory:' }, shared: false, cleanup: async () => {} };
}

async function openSqlite(): Promise<OpenedStore> {
  const dir = await makeTempDir('store');
  return {
    flags: { '--store': `sqlite:${join(dir.path, 'tokenauth.db')}` },
    shared: true,
    cleanup: () => dir.remove(),
  };
}

async function openRedis(): Promise<OpenedStore> {
  const server = await startRedisServer();
  return { flags: { '--store': server.url }, shared: true, cleanup: () => server.stop() };
}
