import { createHash } from 'node:crypto';
import type { Store } from '../stores/store.js';
import type { Clock } from './clock.js';
import { normalizeUserId } from './user-ids.js';

/** A fixed window on login attempts from one source address. */
export interface AddressLimit {
  readonly windowMs: number;
  readonly max: number;
}

export interface LoginThrottleOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** Consecutive failures of one account that cost nothing. */
  readonly freeFailures?: number;
  /** The longest wait the back-off imposes on one account. */
  readonly maxDelayMs?: number;
  /** How long failures are remembered after the latest one. */
  readonly failureRetentionMs?: number;
  readonly addressLimits?: readonly AddressLimit[];
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const DEFAULT_FREE_FAILURES = 5;
export const DEFAULT_MAX_DELAY_MS = 15 * 60_000;
export const DEFAULT_FAILURE_RETENTION_MS = 24 * 3_600_000;
export const DEFAULT_ADDRESS_LIMITS: readonly AddressLimit[] = Object.freeze([
  Object.freeze({ windowMs: 60_000, max: 20 }),
  Object.freeze({ windowMs: 3_600_000, max: 200 }),
]);

const FIRST_DELAY_MS = 1000;

/**
 * Slows password guessing two ways. Per account: the first `freeFailures` consecutive
 * failures are free, then each failure imposes a wait that doubles (1 s, 2 s, 4 s …, capped at
 * `maxDelayMs`), counted from the latest failure. There is never a permanent lock, which would
 * let anyone lock a victim out, and a success clears the record. Per source address: every
 * attempt counts in each fixed window, and an address over a window's maximum waits for the
 * window to end.
 *
 * The account key is the normalised id whether or not the account exists, so the throttle
 * behaves the same for unknown ids and reveals nothing about which ids are taken.
 *
 * Not atomic across the check and the record: attempts that arrive together all pass the
 * check before any of their failures is recorded, so a burst can spend more than the free
 * failures at once. The address windows bound how large such a burst can be.
 */
export class LoginThrottle {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #freeFailures: number;
  readonly #maxDelayMs: number;
  readonly #retentionMs: number;
  readonly #addressLimits: readonly AddressLimit[];

  constructor(options: LoginThrottleOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#freeFailures = options.freeFailures ?? DEFAULT_FREE_FAILURES;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.#retentionMs = options.failureRetentionMs ?? DEFAULT_FAILURE_RETENTION_MS;
    this.#addressLimits = (options.addressLimits ?? DEFAULT_ADDRESS_LIMITS).map((limit) => ({
      ...limit,
    }));
    validate(this.#freeFailures, this.#maxDelayMs, this.#retentionMs, this.#addressLimits);
  }

  /**
   * Call before verifying a password. Counts the attempt against `address` (even when it is
   * then refused) and refuses while the address is over a limit or the account is waiting
   * out its back-off. `accountId` is the id as submitted; it is normalised here.
   */
  async checkAndCount(accountId: string, address: string): Promise<ThrottleDecision> {
    const nowMs = this.#clock.nowMs();
    let waitMs = 0;

    for (const limit of this.#addressLimits) {
      const key = `login:addr:${address}:${limit.windowMs}`;
      const counter = await this.#store.incrementCounter(key, limit.windowMs, nowMs);
      if (counter.count > limit.max) waitMs = Math.max(waitMs, counter.resetAtMs - nowMs);
    }

    const failures = await this.#store.readLoginFailures(accountKey(accountId), nowMs);
    if (failures) {
      const readyAtMs = failures.lastFailureAtMs + this.delayAfter(failures.failures);
      waitMs = Math.max(waitMs, readyAtMs - nowMs);
    }

    if (waitMs <= 0) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Records a failed password for the account; resolves the wait it now has to serve. */
  async recordFailure(accountId: string): Promise<number> {
    const nowMs = this.#clock.nowMs();
    const key = accountKey(accountId);
    const state = await this.#store.recordLoginFailure(key, nowMs, this.#retentionMs);
    return this.delayAfter(state.failures);
  }

  /**
   * Forgets the account's failures after a successful login; resolves true when that ends a
   * back-off (the account had spent its free failures), for the audit log.
   */
  async recordSuccess(accountId: string): Promise<boolean> {
    const key = accountKey(accountId);
    const state = await this.#store.readLoginFailures(key, this.#clock.nowMs());
    if (state === null) return false;
    await this.#store.clearLoginFailures(key);
    return state.failures > this.#freeFailures;
  }

  /** The wait, in milliseconds, that follows the given number of consecutive failures. */
  delayAfter(failures: number): number {
    if (failures <= this.#freeFailures) return 0;
    const doublings = failures - this.#freeFailures - 1;
    return Math.min(FIRST_DELAY_MS * 2 ** doublings, this.#maxDelayMs);
  }
}

/**
 * Ids that fail validation can never log in, but they are throttled all the same. They are
 * keyed by a digest, because such an id may be megabytes long or hold control characters.
 */
function accountKey(accountId: string): string {
  const checked = normalizeUserId(accountId);
  if (checked.ok) return `login:acct:${checked.id}`;
  return `login:acct-invalid:${createHash('sha256').update(accountId).digest('base64url')}`;
}

function validate(
  freeFailures: number,
  maxDelayMs: number,
  retentionMs: number,
  addressLimits: readonly AddressLimit[],
): void {
  if (!Number.isInteger(freeFailures) || freeFailures < 0) {
    throw new RangeError('freeFailures must be an integer of at least 0');
  }
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < FIRST_DELAY_MS) {
    throw new RangeError(`maxDelayMs must be at least ${FIRST_DELAY_MS}`);
  }
  if (!Number.isFinite(retentionMs) || retentionMs < maxDelayMs) {
    throw new RangeError('failureRetentionMs must be at least maxDelayMs');
  }
  for (const limit of addressLimits) {
    if (!Number.isInteger(limit.windowMs) || limit.windowMs < 1) {
      throw new RangeError('an address limit windowMs must be a positive integer');
    }
    if (!Number.isInteger(limit.max) || limit.max < 1) {
      throw new RangeError('an address limit max must be a positive integer');
    }
  }
}
