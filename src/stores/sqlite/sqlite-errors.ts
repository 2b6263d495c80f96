import SqliteDatabase from 'better-sqlite3';
import { StoreUnavailableError } from '../store.js';

/**
 * Primary SQLite result codes that mean the database cannot serve requests right now
 * (locked past the busy timeout, disk or file trouble, damaged file), as opposed to a
 * constraint or a bug in a query. Extended codes such as SQLITE_IOERR_WRITE share the prefix.
 */
const UNAVAILABLE_CODES: readonly string[] = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
];

function isUnavailableCode(code: string): boolean {
  return UNAVAILABLE_CODES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}

/**
 * Turns an error from better-sqlite3 into StoreUnavailableError when it means the database
 * is unusable; anything else (a constraint, a programming error) is returned unchanged.
 * `databaseOpen` is checked instead of the error's wording, which is not a stable API.
 */
export function toStoreError(error: unknown, databaseOpen: boolean): unknown {
  if (!databaseOpen) return new StoreUnavailableError('sqlite', { cause: error });
  if (error instanceof SqliteDatabase.SqliteError && isUnavailableCode(error.code)) {
    return new StoreUnavailableError('sqlite', { cause: error });
  }
  return error;
}
