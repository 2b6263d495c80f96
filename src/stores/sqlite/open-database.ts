import { closeSync, openSync, statSync } from 'node:fs';
import SqliteDatabase, { type Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../store.js';
import { migrate } from './migrations.js';
import { toStoreError } from './sqlite-errors.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Creates the file owner-only before SQLite sees it: it holds password hashes and token
 * digests. SQLite gives the -wal and -shm files the same mode as the database file.
 */
function ensureOwnerOnlyFile(path: string, logger: Logger): void {
  closeSync(openSync(path, 'a', 0o600));

  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn(
      { path, mode: mode.toString(8) },
      'the sqlite database file is readable by other users; chmod 600 it',
    );
  }
}

function configure(db: Database, logger: Logger): void {
  const journalMode = db.pragma('journal_mode = WAL', { simple: true });
  if (journalMode !== 'wal') {
    logger.warn({ journalMode }, 'the sqlite database could not switch to WAL journaling');
  }
  // FULL syncs the WAL on every commit: an acknowledged write survives a power cut too.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
}

/**
 * Opens (creating if needed) and migrates the database at `path`. Throws
 * StoreUnavailableError when the file cannot be opened or read, and a plain Error when its
 * schema is newer than this release.
 */
export function openDatabase(path: string, logger: Logger, busyTimeoutMs: number): Database {
  let db: Database | undefined;
  try {
    if (path !== ':memory:') ensureOwnerOnlyFile(path, logger);
    db = new SqliteDatabase(path, { timeout: busyTimeoutMs });
    configure(db, logger);
    migrate(db, logger);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    if (isFileSystemError(error)) throw new StoreUnavailableError('sqlite', { cause: error });
    throw toStoreError(error, true);
  }
}

function isFileSystemError(error: unknown): boolean {
  return error instanceof Error && 'syscall' in error;
}
