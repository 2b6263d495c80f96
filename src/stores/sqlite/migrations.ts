import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';

interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The schema, as an append-only list: a released migration is never edited, a change is a new
 * entry. `PRAGMA user_version` records the last one applied. Tables are STRICT so a wrong
 * type is an error instead of a silent conversion; every time is integer milliseconds.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, tokens, counters, login failures and clients',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        password_hash TEXT,
        disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
        created_at_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE tokens (
        digest TEXT PRIMARY KEY,
        session_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        last_used_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        idle_expires_at_ms INTEGER NOT NULL,
        client_address TEXT NOT NULL,
        user_agent TEXT NOT NULL
      ) STRICT;
      CREATE INDEX tokens_by_user ON tokens (user_id, created_at_ms);
      CREATE INDEX tokens_by_expiry ON tokens (expires_at_ms);
      CREATE INDEX tokens_by_idle_expiry ON tokens (idle_expires_at_ms);

      CREATE TABLE counters (
        key TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        reset_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX counters_by_reset ON counters (reset_at_ms);

      CREATE TABLE login_failures (
        key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_failure_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX login_failures_by_expiry ON login_failures (expires_at_ms);

      CREATE TABLE clients (
        name TEXT PRIMARY KEY,
        secret_digests TEXT NOT NULL CHECK (json_valid(secret_digests)),
        created_at_ms INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

function readSchemaVersion(db: Database): number {
  const version = db.pragma('user_version', { simple: true });
  return typeof version === 'number' ? version : 0;
}

/**
 * Brings the schema up to date. Each migration runs in its own IMMEDIATE transaction that
 * re-reads the version first, so two processes opening a fresh file at once apply it once.
 * A file from a newer release is refused rather than written with an older schema.
 */
export function migrate(db: Database, logger: Logger): void {
  const found = readSchemaVersion(db);
  if (found > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `the sqlite database has schema version ${found}, newer than the ${LATEST_SCHEMA_VERSION} ` +
        'this tokenauth release knows; upgrade tokenauth instead',
    );
  }

  for (const migration of MIGRATIONS) {
    const apply = db.transaction(() => {
      if (readSchemaVersion(db) >= migration.version) return false;
      db.exec(migration.sql);
      // user_version is part of the database header, so it commits with the schema change.
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    if (apply.immediate()) {
      logger.info(
        { version: migration.version, description: migration.description },
        'applied sqlite migration',
      );
    }
  }
}
