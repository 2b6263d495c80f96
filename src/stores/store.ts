/**
 * The storage contract every backend (memory, SQLite, Redis) implements.
 *
 * Stores are dumb on purpose: they keep records and answer exact lookups. Every rule about
 * liveness, limits and passwords lives in the core, so the three backends cannot drift apart
 * in behaviour. One conformance suite (test/stores/conformance.ts) runs against all of them.
 *
 * Failure contract: a store that cannot reach its backing service throws
 * {@link StoreUnavailableError}. Callers turn that into a 503, never into an authentication
 * failure, so clients do not throw away valid tokens during an outage.
 */

/** A user account. `passwordHash` is a PHC string, or null for accounts made in open mode. */
export interface UserRecord {
  readonly id: string;
  readonly passwordHash: string | null;
  readonly disabled: boolean;
  readonly createdAtMs: number;
}

/**
 * One issued token, keyed by the SHA-256 digest of the token. The plain token is never stored.
 * A token is live while `nowMs < expiresAtMs` and `nowMs < idleExpiresAtMs`.
 */
export interface TokenRecord {
  readonly digest: string;
  /** Public, non-secret handle shown in session listings and used by `DELETE /sessions/:id`. */
  readonly sessionId: string;
  readonly userId: string;
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number;
  /** Absolute cap: no amount of use extends a token past this instant. */
  readonly expiresAtMs: number;
  /** Sliding idle deadline; equal to `expiresAtMs` when idle expiry is off. */
  readonly idleExpiresAtMs: number;
  readonly clientAddress: string;
  readonly userAgent: string;
}

/** A recorded use of a token, written in batches by the core's usage recorder. */
export interface TokenUse {
  readonly digest: string;
  readonly lastUsedAtMs: number;
  readonly idleExpiresAtMs: number;
}

/** An API client allowed to call introspection and revocation (RFC 7662 / RFC 7009). */
export interface ClientRecord {
  readonly name: string;
  /** SHA-256 digests of the live secrets; at most two, so a secret can be rotated. */
  readonly secretDigests: readonly string[];
  readonly createdAtMs: number;
}

/** A fixed-window counter, for per-address rate limits. */
export interface CounterState {
  readonly count: number;
  readonly resetAtMs: number;
}

/** Consecutive failed logins of one account, for the exponential back-off. */
export interface FailureState {
  readonly failures: number;
  readonly lastFailureAtMs: number;
}

export interface Store {
  /** A short label for logs and metrics: `memory`, `sqlite` or `redis`. */
  readonly kind: string;

  /** Resolves when the backend answers; throws StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Inserts a user; resolves false (and changes nothing) when the id is taken. */
  createUser(user: UserRecord): Promise<boolean>;
  findUser(id: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  /** Resolves false when the user does not exist. */
  updateUserPassword(id: string, passwordHash: string): Promise<boolean>;
  /** Resolves false when the user does not exist. */
  updateUserDisabled(id: string, disabled: boolean): Promise<boolean>;
  /** Deletes the user and every token of that user; resolves false when absent. */
  deleteUser(id: string): Promise<boolean>;

  /**
   * Stores a token. When the user then holds more than `maxTokensPerUser` tokens, the oldest
   * (by `createdAtMs`) are deleted in the same atomic step.
   */
  createToken(token: TokenRecord, maxTokensPerUser: number): Promise<void>;
  findToken(digest: string): Promise<TokenRecord | null>;
  /**
   * Records uses of tokens; digests that no longer exist are ignored, never recreated. Each
   * field only moves forward: an older use arriving late changes nothing.
   */
  recordTokenUses(uses: readonly TokenUse[]): Promise<void>;
  /** Resolves true when a token was deleted. */
  deleteToken(digest: string): Promise<boolean>;
  /** Deletes every token of a user; resolves how many were deleted. */
  deleteUserTokens(userId: string): Promise<number>;
  /** Every stored token of a user, live or not, oldest first. */
  listUserTokens(userId: string): Promise<TokenRecord[]>;
  /** Deletes tokens dead at `nowMs` (either deadline passed); resolves how many. */
  deleteExpiredTokens(nowMs: number): Promise<number>;
  countTokens(): Promise<number>;

  /**
   * Adds one to the counter `key` atomically. The window starts at the first hit and the
   * counter disappears at `resetAtMs`, so no counter lives forever.
   */
  incrementCounter(key: string, windowMs: number, nowMs: number): Promise<CounterState>;

  /** Adds one failure; the record disappears `retentionMs` after the latest failure. */
  recordLoginFailure(key: string, nowMs: number, retentionMs: number): Promise<FailureState>;
  readLoginFailures(key: string, nowMs: number): Promise<FailureState | null>;
  clearLoginFailures(key: string): Promise<void>;

  /** Inserts or replaces a client. */
  saveClient(client: ClientRecord): Promise<void>;
  findClient(name: string): Promise<ClientRecord | null>;
  listClients(): Promise<ClientRecord[]>;
  deleteClient(name: string): Promise<boolean>;
}

/**
 * Thrown by a store when its backend cannot answer. The message must never carry a
 * connection string or a credential; the original error is kept as `cause` for debugging
 * only after the caller has checked it is safe to log.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'STORE_UNAVAILABLE';

  constructor(storeKind: string, options?: { cause?: unknown }) {
    super(`the ${storeKind} store is unavailable`, options);
  }
}
