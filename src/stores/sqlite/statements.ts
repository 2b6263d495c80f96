import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import type { ClientRow, TokenRow, UserRow } from './rows.js';

const USER_COLUMNS = 'id, password_hash, disabled, created_at_ms';
const CLIENT_COLUMNS = 'name, secret_digests, created_at_ms';
const TOKEN_COLUMNS = `digest, session_id, user_id, created_at_ms, last_used_at_ms,
  expires_at_ms, idle_expires_at_ms, client_address, user_agent`;

/** A statement taking `Params` (a tuple of positional values, or an object of named ones). */
type Query<Params extends unknown[] | object, Row = unknown> = BetterSqlite3.Statement<Params, Row>;

interface NowParams {
  nowMs: number;
}
interface CounterRow {
  count: number;
  reset_at_ms: number;
}
interface FailureRow {
  failures: number;
  last_failure_at_ms: number;
}

export interface Statements {
  ping: Query<[]>;

  insertUser: Query<UserRow>;
  findUser: Query<[id: string], UserRow>;
  listUsers: Query<[], UserRow>;
  updateUserPassword: Query<[passwordHash: string, id: string]>;
  updateUserDisabled: Query<[disabled: number, id: string]>;
  deleteUser: Query<[id: string]>;

  insertToken: Query<TokenRow>;
  evictOldTokens: Query<{ userId: string; keep: number }>;
  findToken: Query<[digest: string], TokenRow>;
  recordTokenUse: Query<{ digest: string; lastUsedAtMs: number; idleExpiresAtMs: number }>;
  deleteToken: Query<[digest: string]>;
  deleteUserTokens: Query<[userId: string]>;
  listUserTokens: Query<[userId: string], TokenRow>;
  deleteExpiredTokens: Query<NowParams>;
  countTokens: Query<[], { count: number }>;

  incrementCounter: Query<{ key: string; nowMs: number; resetAtMs: number }, CounterRow>;
  sweepCounters: Query<NowParams>;

  recordLoginFailure: Query<{ key: string; nowMs: number; expiresAtMs: number }, FailureRow>;
  readLoginFailures: Query<{ key: string; nowMs: number }, FailureRow>;
  clearLoginFailures: Query<[key: string]>;
  sweepLoginFailures: Query<NowParams>;

  saveClient: Query<ClientRow>;
  findClient: Query<[name: string], ClientRow>;
  listClients: Query<[], ClientRow>;
  deleteClient: Query<[name: string]>;
}

/**
 * Every query the store runs, prepared once at open. Named parameters keep the SQL readable;
 * `rowid` breaks ties between equal creation times so the oldest-first order is stable.
 */
export function prepareStatements(db: Database): Statements {
  return {
    ping: db.prepare('SELECT 1'),

    insertUser: db.prepare(
      `INSERT INTO users (id, password_hash, disabled, created_at_ms)
       VALUES (@id, @password_hash, @disabled, @created_at_ms)
       ON CONFLICT (id) DO NOTHING`,
    ),
    findUser: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
    listUsers: db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY id`),
    updateUserPassword: db.prepare('UPDATE users SET password_hash = ? WHERE id = ?'),
    updateUserDisabled: db.prepare('UPDATE users SET disabled = ? WHERE id = ?'),
    deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),

    insertToken: db.prepare(
      `INSERT INTO tokens (${TOKEN_COLUMNS})
       VALUES (@digest, @session_id, @user_id, @created_at_ms, @last_used_at_ms,
         @expires_at_ms, @idle_expires_at_ms, @client_address, @user_agent)`,
    ),
    evictOldTokens: db.prepare(
      `DELETE FROM tokens WHERE rowid IN (
         SELECT rowid FROM tokens WHERE user_id = @userId
         ORDER BY created_at_ms DESC, rowid DESC LIMIT -1 OFFSET @keep)`,
    ),
    findToken: db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE digest = ?`),
    recordTokenUse: db.prepare(
      // MAX: batches from several processes may arrive out of order; a use never goes back.
      `UPDATE tokens SET last_used_at_ms = MAX(last_used_at_ms, @lastUsedAtMs),
         idle_expires_at_ms = MAX(idle_expires_at_ms, @idleExpiresAtMs)
       WHERE digest = @digest`,
    ),
    deleteToken: db.prepare('DELETE FROM tokens WHERE digest = ?'),
    deleteUserTokens: db.prepare('DELETE FROM tokens WHERE user_id = ?'),
    listUserTokens: db.prepare(
      `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE user_id = ? ORDER BY created_at_ms, rowid`,
    ),
    deleteExpiredTokens: db.prepare(
      'DELETE FROM tokens WHERE expires_at_ms <= @nowMs OR idle_expires_at_ms <= @nowMs',
    ),
    countTokens: db.prepare('SELECT count(*) AS count FROM tokens'),

    // In an upsert's SET, column names read the old row, so both CASEs see the old window.
    incrementCounter: db.prepare(
      `INSERT INTO counters (key, count, reset_at_ms) VALUES (@key, 1, @resetAtMs)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN reset_at_ms > @nowMs THEN count + 1 ELSE 1 END,
         reset_at_ms = CASE WHEN reset_at_ms > @nowMs THEN reset_at_ms ELSE @resetAtMs END
       RETURNING count, reset_at_ms`,
    ),
    sweepCounters: db.prepare(
      `DELETE FROM counters WHERE key IN (
         SELECT key FROM counters WHERE reset_at_ms <= @nowMs LIMIT 100)`,
    ),

    recordLoginFailure: db.prepare(
      `INSERT INTO login_failures (key, failures, last_failure_at_ms, expires_at_ms)
       VALUES (@key, 1, @nowMs, @expiresAtMs)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN expires_at_ms > @nowMs THEN failures + 1 ELSE 1 END,
         last_failure_at_ms = @nowMs,
         expires_at_ms = @expiresAtMs
       RETURNING failures, last_failure_at_ms`,
    ),
    readLoginFailures: db.prepare(
      `SELECT failures, last_failure_at_ms FROM login_failures
       WHERE key = @key AND expires_at_ms > @nowMs`,
    ),
    clearLoginFailures: db.prepare('DELETE FROM login_failures WHERE key = ?'),
    sweepLoginFailures: db.prepare(
      `DELETE FROM login_failures WHERE key IN (
         SELECT key FROM login_failures WHERE expires_at_ms <= @nowMs LIMIT 100)`,
    ),

    saveClient: db.prepare(
      `INSERT INTO clients (name, secret_digests, created_at_ms)
       VALUES (@name, @secret_digests, @created_at_ms)
       ON CONFLICT (name) DO UPDATE SET
         secret_digests = excluded.secret_digests, created_at_ms = excluded.created_at_ms`,
    ),
    findClient: db.prepare(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE name = ?`),
    listClients: db.prepare(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY name`),
    deleteClient: db.prepare('DELETE FROM clients WHERE name = ?'),
  };
}
