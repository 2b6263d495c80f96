import type { Logger } from 'pino';
import { MemoryStore } from './memory-store.js';
import type { Store } from './store.js';

/**
 * Opens the store a `--store` URL names: `memory:`, `sqlite:PATH`, `redis://…` or
 * `redis+sentinel://…`.
 * Throws an Error whose message is safe to print (no credentials) for an unusable URL.
 *
 * Each backend's module is imported only when its scheme is asked for: ioredis alone costs
 * a memory or SQLite server more than 100 ms of start-up, and better-sqlite3 a few tens.
 */
export async function openStore(url: string, logger: Logger): Promise<Store> {
  if (url === 'memory:') return new MemoryStore();
  if (url.startsWith('sqlite:')) {
    const { parseSqliteUrl } = await import('./sqlite/parse-sqlite-url.js');
    const path = parseSqliteUrl(url);
    const { SqliteStore } = await import('./sqlite/sqlite-store.js');
    return SqliteStore.open(path, { logger });
  }
  if (/^(rediss?|redis\+sentinel):\/\//.test(url)) {
    const { RedisStore } = await import('./redis/redis-store.js');
    return RedisStore.open(url, { logger });
  }
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
    // Not a WHATWG URL (a Sentinel URL listing several hosts): hide all before the last '@'.
    const at = url.lastIndexOf('@');
    const start = url.indexOf('//');
    return at === -1 || start === -1 ? url : `${url.slice(0, start + 2)}***${url.slice(at)}`;
  }
}
