import type { Database, Transaction } from 'better-sqlite3';
import type { Logger } from 'pino';
import type {
  ClientRecord,
  CounterState,
  FailureState,
  Store,
  TokenRecord,
  TokenUse,
  UserRecord,
} from '../store.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from './open-database.js';
import {
  clientFromRow,
  clientToRow,
  tokenFromRow,
  tokenToRow,
  userFromRow,
  userToRow,
} from './rows.js';
import { toStoreError } from './sqlite-errors.js';
import { prepareStatements, type Statements } from './statements.js';

export interface SqliteStoreOptions {
  logger: Logger;
  /** How long a write waits for another connection's lock before failing; default 5 s. */
  busyTimeoutMs?: number;
}

export interface SqliteSettings {
  readonly journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  readonly synchronous: number;
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
  readonly schemaVersion: number;
}

/** Expired counters and failures are swept, a bounded batch, once every this many writes. */
const SWEEP_EVERY_WRITES = 64;

/**
 * A store in one SQLite file: survives restarts and can be shared by processes on one host.
 *
 * better-sqlite3 is synchronous, so every call blocks the event loop while it runs:
 * microseconds normally, a disk sync per account or token write (synchronous = FULL; rate-limit
 * counters and use times skip it, see #runAdvisory), and up to
 * `busyTimeoutMs` when another process holds the write lock. Run one server process per
 * file, or shorten the busy timeout, where tail latency matters more than waiting.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #statements: Statements;
  readonly #deleteUser: Transaction<(id: string) => boolean>;
  readonly #createToken: Transaction<(token: TokenRecord, maxTokensPerUser: number) => void>;
  readonly #recordTokenUses: Transaction<(uses: readonly TokenUse[]) => void>;
  #counterWrites = 0;
  #failureWrites = 0;

  private constructor(db: Database, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
    const statements = prepareStatements(db);
    this.#statements = statements;

    // Open (lab) mode issues tokens to ids that have no account row, so tokens carry no foreign
    // key; deleting a user deletes that user's tokens in the same transaction instead.
    this.#deleteUser = db.transaction((id: string) => {
      this.#statements.deleteUserTokens.run(id);
      return this.#statements.deleteUser.run(id).changes > 0;
    });
    this.#createToken = db.transaction((token: TokenRecord, maxTokensPerUser: number) => {
      statements.insertToken.run(tokenToRow(token));
      statements.evictOldTokens.run({ userId: token.userId, keep: Math.max(0, maxTokensPerUser) });
    });
    this.#recordTokenUses = db.transaction((uses: readonly TokenUse[]) => {
      for (const use of uses) statements.recordTokenUse.run(use);
    });
  }

  /** Opens or creates the database file (mode 0600) and applies pending migrations. */
  static open(path: string, options: SqliteStoreOptions): SqliteStore {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    return new SqliteStore(openDatabase(path, options.logger, busyTimeoutMs), options.logger);
  }

  /** The connection's effective settings, for start-up logs and tests. */
  settings(): SqliteSettings {
    return this.#run(() => ({
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.#db.pragma('synchronous', { simple: true })),
      foreignKeys: this.#db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: Number(this.#db.pragma('busy_timeout', { simple: true })),
      schemaVersion: Number(this.#db.pragma('user_version', { simple: true })),
    }));
  }

  async ping(): Promise<void> {
    this.#run(() => this.#statements.ping.get());
  }

  /** Closes the connection; later calls reject with StoreUnavailableError. Idempotent. */
  async close(): Promise<void> {
    if (!this.#db.open) return;
    try {
      // Lets SQLite refresh its query planner statistics, as its docs advise before closing.
      this.#db.pragma('optimize');
    } catch (error) {
      this.#logger.warn({ err: error }, 'sqlite optimize before close failed');
    }
    this.#db.close();
  }

  async createUser(user: UserRecord): Promise<boolean> {
    return this.#run(() => this.#statements.insertUser.run(userToRow(user)).changes === 1);
  }

  async findUser(id: string): Promise<UserRecord | null> {
    const row = this.#run(() => this.#statements.findUser.get(id));
    return row ? userFromRow(row) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.#run(() => this.#statements.listUsers.all()).map(userFromRow);
  }

  async updateUserPassword(id: string, passwordHash: string): Promise<boolean> {
    return this.#run(() => this.#statements.updateUserPassword.run(passwordHash, id).changes > 0);
  }

  async updateUserDisabled(id: string, disabled: boolean): Promise<boolean> {
    const flag = disabled ? 1 : 0;
    return this.#run(() => this.#statements.updateUserDisabled.run(flag, id).changes > 0);
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.#run(() => this.#deleteUser.immediate(id));
  }

  /** Inserts and evicts in one transaction. The user needs no account row (open mode). */
  async createToken(token: TokenRecord, maxTokensPerUser: number): Promise<void> {
    this.#run(() => this.#createToken.immediate(token, maxTokensPerUser));
  }

  async findToken(digest: string): Promise<TokenRecord | null> {
    const row = this.#run(() => this.#statements.findToken.get(digest));
    return row ? tokenFromRow(row) : null;
  }

  async recordTokenUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return;
    this.#runAdvisory(() => this.#recordTokenUses.immediate(uses));
  }

  async deleteToken(digest: string): Promise<boolean> {
    return this.#run(() => this.#statements.deleteToken.run(digest).changes > 0);
  }

  async deleteUserTokens(userId: string): Promise<number> {
    return this.#run(() => this.#statements.deleteUserTokens.run(userId).changes);
  }

  async listUserTokens(userId: string): Promise<TokenRecord[]> {
    return this.#run(() => this.#statements.listUserTokens.all(userId)).map(tokenFromRow);
  }

  async deleteExpiredTokens(nowMs: number): Promise<number> {
    return this.#run(() => this.#statements.deleteExpiredTokens.run({ nowMs }).changes);
  }

  async countTokens(): Promise<number> {
    return this.#run(() => this.#statements.countTokens.get())?.count ?? 0;
  }

  async incrementCounter(key: string, windowMs: number, nowMs: number): Promise<CounterState> {
    const row = this.#runAdvisory(() => {
      if (++this.#counterWrites % SWEEP_EVERY_WRITES === 0) {
        this.#statements.sweepCounters.run({ nowMs });
      }
      return this.#statements.incrementCounter.get({ key, nowMs, resetAtMs: nowMs + windowMs });
    });
    if (!row) throw new Error('the sqlite counter upsert returned no row');
    return { count: row.count, resetAtMs: row.reset_at_ms };
  }

  async recordLoginFailure(key: string, nowMs: number, retentionMs: number): Promise<FailureState> {
    const row = this.#runAdvisory(() => {
      if (++this.#failureWrites % SWEEP_EVERY_WRITES === 0) {
        this.#statements.sweepLoginFailures.run({ nowMs });
      }
      const expiresAtMs = nowMs + retentionMs;
      return this.#statements.recordLoginFailure.get({ key, nowMs, expiresAtMs });
    });
    if (!row) throw new Error('the sqlite login failure upsert returned no row');
    return { failures: row.failures, lastFailureAtMs: row.last_failure_at_ms };
  }

  async readLoginFailures(key: string, nowMs: number): Promise<FailureState | null> {
    const row = this.#run(() => this.#statements.readLoginFailures.get({ key, nowMs }));
    return row ? { failures: row.failures, lastFailureAtMs: row.last_failure_at_ms } : null;
  }

  async clearLoginFailures(key: string): Promise<void> {
    this.#runAdvisory(() => this.#statements.clearLoginFailures.run(key));
  }

  async saveClient(client: ClientRecord): Promise<void> {
    this.#run(() => this.#statements.saveClient.run(clientToRow(client)));
  }

  async findClient(name: string): Promise<ClientRecord | null> {
    const row = this.#run(() => this.#statements.findClient.get(name));
    return row ? clientFromRow(row) : null;
  }

  async listClients(): Promise<ClientRecord[]> {
    return this.#run(() => this.#statements.listClients.all()).map(clientFromRow);
  }

  async deleteClient(name: string): Promise<boolean> {
    return this.#run(() => this.#statements.deleteClient.run(name).changes > 0);
  }

  /** Runs one database step, turning "the database is unusable" into StoreUnavailableError. */
  #run<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      throw toStoreError(error, this.#db.open);
    }
  }

  /**
   * Runs a write whose loss on a power cut costs nothing that matters: rate-limit counters,
   * login failures (a few forgotten attempts) and "last used" times (a shorter idle window).
   * Its commit skips the disk sync (NORMAL in WAL mode, still safe against a killed process),
   * which otherwise made every rejected token wait for the disk. Accounts and tokens keep FULL.
   */
  #runAdvisory<T>(step: () => T): T {
    return this.#run(() => {
      this.#db.pragma('synchronous = NORMAL');
      try {
        return step();
      } finally {
        this.#db.pragma('synchronous = FULL');
      }
    });
  }
}
