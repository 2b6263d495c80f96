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

  async issue(userId: string, context: LoginContext): Promise<IssuedToken> {
    const nowMs = this.#clock.nowMs();
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

    const idleExpiresAtMs = this.#idleDeadline(nowMs, record.expiresAtMs);
    this.#usage.note(record, idleExpiresAtMs, nowMs);
    return { ok: true, record, expiresAtMs: Math.min(record.expiresAtMs, idleExpiresAtMs) };
  }

  /** True while neither deadline has passed, counting a use still queued in this process. */
  isLive(record: TokenRecord, nowMs: number): boolean {
    const pending = this.#usage.pendingUse(record.digest);
    const idleExpiresAtMs = Math.max(record.idleExpiresAtMs, pending?.idleExpiresAtMs ?? 0);
    return nowMs < record.expiresAtMs && nowMs < idleExpiresAtMs;
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

  /** The user's live tokens, oldest first. */
  async listSessions(userId: string): Promise<TokenRecord[]> {
    const nowMs = this.#clock.nowMs();
    const tokens = await this.#store.listUserTokens(userId);
    return tokens.filter((token) => this.isLive(token, nowMs));
  }

  /** Revokes the user's token with this public session id; false when there is none. */
  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const tokens = await this.#store.listUserTokens(userId);
    const target = tokens.find((token) => token.sessionId === sessionId);
    if (!target) return false;
    return this.#store.deleteToken(target.digest);
  }

  /** The instant a token stops being live if it is not used again. */
  effectiveExpiryMs(record: TokenRecord): number {
    const pending = this.#usage.pendingUse(record.digest);
    const idle = Math.max(record.idleExpiresAtMs, pending?.idleExpiresAtMs ?? 0);
    return Math.min(record.expiresAtMs, idle);
  }

  #idleDeadline(nowMs: number, expiresAtMs: number): number {
    if (this.policy.idleTimeoutMs === 0) return expiresAtMs;
    return Math.min(expiresAtMs, nowMs + this.policy.idleTimeoutMs);
  }
}
