import type { Store, TokenRecord } from '../stores/store.js';
import type { Clock } from './clock.js';
import { digestToken, isWellFormedToken, mintSessionId, mintToken } from './tokens.js';
import type { UsageRecorder } from './usage-recorder.js';

export interface TokenPolicy {
  /** Absolute lifetime of every token. */
  readonly ttlMs: number;
  /** Idle timeout; 0 turns idle expiry off. */
  readonly idleTimeoutMs: number;
  readonly maxTokensPerUser: number;
}

export interface LoginContext {
  readonly clientAddress: string;
  readonly userAgent: string;
}

export interface IssuedToken {
  /** The plain token: handed to the client once, never stored or logged. */
  readonly token: string;
  readonly record: TokenRecord;
}

export type TokenRejection = 'malformed' | 'unknown' | 'expired';

export type TokenCheck =
  | { readonly ok: true; readonly record: TokenRecord; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: TokenRejection; readonly digest?: string };

/**
 * Mints, checks and revokes tokens. Knows nothing of HTTP; every rule about a token's life is
 * here so that all stores behave alike. Store failures propagate as StoreUnavailableError.
 */
export class TokenService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #usage: UsageRecorder;
  readonly policy: TokenPolicy;

  constructor(options: { store: Store; clock: Clock; policy: TokenPolicy; usage: UsageRecorder }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#usage = options.usage;
    this.policy = options.policy;
  }

  /**
   * Mints a token for `userId`. When the user then holds more than `maxTokensPerUser` tokens,
   * the oldest are revoked; dead tokens not yet swept are removed first so that they never
   * push a live one out.
   */
  async issue(userId: string, context: LoginContext): Promise<IssuedToken> {
    const nowMs = this.#clock.nowMs();
    await this.#removeDeadTokensOf(userId, nowMs);

    const token = mintToken();
    const expiresAtMs = nowMs + this.policy.ttlMs;
    const record: TokenRecord = {
      digest: digestToken(token),
      sessionId: mintSessionId(),
      userId,
      createdAtMs: nowMs,
      lastUsedAtMs: nowMs,
      expiresAtMs,
      idleExpiresAtMs: this.#idleDeadline(nowMs, expiresAtMs),
      clientAddress: context.clientAddress,
      userAgent: context.userAgent,
    };

    await this.#store.createToken(record, this.policy.maxTokensPerUser);
    return { token, record };
  }

  /** Checks a presented token and, when it is live, slides its idle window. */
  async check(token: string): Promise<TokenCheck> {
    if (!isWellFormedToken(token)) return { ok: false, reason: 'malformed' };

    const digest = digestToken(token);
    const record = await this.#store.findToken(digest);
    if (!record) return { ok: false, reason: 'unknown', digest };

    const nowMs = this.#clock.nowMs();
    if (!this.isLive(record, nowMs)) return { ok: false, reason: 'expired', digest };

    this.#usage.note(record.digest, this.#idleDeadline(nowMs, record.expiresAtMs), nowMs);
    const current = this.#withPendingUse(record);
    return { ok: true, record: current, expiresAtMs: this.effectiveExpiryMs(current) };
  }

  /** True while neither deadline has passed, counting a use still queued in this process. */
  isLive(record: TokenRecord, nowMs: number): boolean {
    return nowMs < this.effectiveExpiryMs(record);
  }

  /** Revokes one token by its plain value. Resolves false when it was already gone. */
  async revoke(token: string): Promise<boolean> {
    if (!isWellFormedToken(token)) return false;
    return this.#store.deleteToken(digestToken(token));
  }

  async revokeDigest(digest: string): Promise<boolean> {
    return this.#store.deleteToken(digest);
  }

  async revokeAllOf(userId: string): Promise<number> {
    return this.#store.deleteUserTokens(userId);
  }

  /**
   * The user's live tokens, oldest first, with uses still queued in this process applied, so
   * `lastUsedAtMs` and `idleExpiresAtMs` are as fresh as this process knows them.
   */
  async listSessions(userId: string): Promise<TokenRecord[]> {
    const nowMs = this.#clock.nowMs();
    const tokens = await this.#store.listUserTokens(userId);
    return tokens
      .map((token) => this.#withPendingUse(token))
      .filter((token) => this.isLive(token, nowMs));
  }

  /** Revokes the user's live token with this public session id; false when there is none. */
  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const sessions = await this.listSessions(userId);
    const target = sessions.find((token) => token.sessionId === sessionId);
    if (!target) return false;
    return this.#store.deleteToken(target.digest);
  }

  /** The instant a token stops being live if it is not used again. */
  effectiveExpiryMs(record: TokenRecord): number {
    const pending = this.#usage.pendingUse(record.digest);
    const idle = Math.max(record.idleExpiresAtMs, pending?.idleExpiresAtMs ?? 0);
    return Math.min(record.expiresAtMs, idle);
  }

  /**
   * Deletes stored tokens that are dead, for the background sweeper. Uses queued here are
   * written first, and the cut-off trails the clock by one usage interval: another process
   * sharing the store may hold a use of a token that it has not written yet, and the token
   * must not be swept from under it. Dead tokens are refused on read anyway, so sweeping them
   * late changes nothing but storage.
   */
  async sweepExpired(): Promise<number> {
    await this.#usage.flush();
    return this.#store.deleteExpiredTokens(this.#clock.nowMs() - this.#usage.intervalMs);
  }

  /** Same margin as the sweeper: an idle token is only surely dead one interval later. */
  async #removeDeadTokensOf(userId: string, nowMs: number): Promise<void> {
    const graceMs = this.#usage.intervalMs;
    for (const token of await this.#store.listUserTokens(userId)) {
      const dead = nowMs >= token.expiresAtMs || nowMs - graceMs >= this.effectiveExpiryMs(token);
      if (dead) await this.#store.deleteToken(token.digest);
    }
  }

  #withPendingUse(record: TokenRecord): TokenRecord {
    const pending = this.#usage.pendingUse(record.digest);
    if (!pending || pending.lastUsedAtMs <= record.lastUsedAtMs) return record;
    return {
      ...record,
      lastUsedAtMs: pending.lastUsedAtMs,
      idleExpiresAtMs: Math.max(record.idleExpiresAtMs, pending.idleExpiresAtMs),
    };
  }

  #idleDeadline(nowMs: number, expiresAtMs: number): number {
    if (this.policy.idleTimeoutMs === 0) return expiresAtMs;
    return Math.min(expiresAtMs, nowMs + this.policy.idleTimeoutMs);
  }
}
