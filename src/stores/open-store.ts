import type { Logger } from 'pino';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis/redis-store.js';
import { parseSqliteUrl } from './sqlite/parse-sqlite-url.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * Opens the store a `--store` URL names: `memory:`, `sqlite:PATH` or `redis://…`.
 * Throws an Error whose message is safe to print (no credentials) for an unusable URL.
 */
export async function openStore(url: string, logger: Logger): Promise<Store> {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) return SqliteStore.open(parseSqliteUrl(url), { logger });
  if (/^rediss?:\/\//.test(url)) return RedisStore.open(url, { logger });
  throw new Error(`unsupported store URL scheme in ${describeStoreUrl(url)}`);
}

/** The store URL with any password replaced, for logs and error messages. */
export function describeStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.username && parsed.protocol.startsWith('redis')) parsed.username = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
