import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './children.js';
import { hasRedisServer, type RedisProcess, startRedis } from './redis.js';

/** Where the stores of one bench run live: a temp dir for SQLite, our own redis-server. */
export interface StoreSite {
  readonly dir: string;
  redis: RedisProcess | null;
  /** Why Redis is not measured, when it is not. */
  redisSkipReason: string | null;
}

export function openSite(): StoreSite {
  const dir = mkdtempSync(join(tmpdir(), 'tokenauth-bench-'));
  return { dir, redis: null, redisSkipReason: null };
}

/** Starts redis-server on first use; later calls reuse it. Null (with a reason) without one. */
export async function redisFor(site: StoreSite): Promise<RedisProcess | null> {
  if (site.redis || site.redisSkipReason) return site.redis;
  if (!hasRedisServer()) {
    site.redisSkipReason = 'redis-server is not on PATH';
    return null;
  }
  try {
    site.redis = await startRedis();
  } catch (error) {
    site.redisSkipReason = error instanceof Error ? error.message : String(error);
  }
  return site.redis;
}

let sqliteFiles = 0;

/** A fresh SQLite database path in the run's temp dir. */
export function sqliteUrl(site: StoreSite, label: string): string {
  sqliteFiles += 1;
  return `sqlite:${join(site.dir, `${label}-${sqliteFiles}.db`)}`;
}

export async function closeSite(site: StoreSite): Promise<void> {
  if (site.redis) await stopChild(site.redis.child);
  rmSync(site.dir, { recursive: true, force: true });
}
