import type { Store } from '../stores/store.js';
import type { Clock } from './clock.js';

/** Rejected tokens one client address may present in one window before it is refused. */
export const GUESS_LIMIT = 30;
export const GUESS_WINDOW_MS = 60_000;
/** Addresses remembered as blocked in this process; the oldest is forgotten first. */
export const MAX_BLOCKED_ADDRESSES = 10_000;

export interface GuessThrottleOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly limit?: number;
  readonly windowMs?: number;
  readonly maxBlockedAddresses?: number;
}

/**
 * Slows token guessing per client address. Only rejected tokens count (unknown, expired,
 * malformed, someone else's), so a busy client that presents valid tokens is never refused.
 *
 * Failures are counted in the store's shared counter (`guess:<address>`), so every instance
 * sharing the store adds to the same figure. The store has no read-only counter lookup, and a
 * lookup on every request would cost a round trip, so the decision "blocked until resetAtMs"
 * is kept in this process, learnt from the failure increments it makes itself. Consequence:
 * an instance refuses an address only after that address failed on this instance at least once
 * while the shared count was over the limit; across N instances an attacker gets at most N
 * extra guesses per window.
 */
export class GuessThrottle {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxBlocked: number;
  /** address → the instant its window ends; Map order is insertion order, oldest first. */
  readonly #blockedUntilMs = new Map<string, number>();

  constructor(options: GuessThrottleOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#limit = options.limit ?? GUESS_LIMIT;
    this.#windowMs = options.windowMs ?? GUESS_WINDOW_MS;
    this.#maxBlocked = options.maxBlockedAddresses ?? MAX_BLOCKED_ADDRESSES;
  }

  /** Seconds the address must wait, or 0 when it may present a token. Touches no store. */
  retryAfterSeconds(address: string): number {
    const untilMs = this.#blockedUntilMs.get(address);
    if (untilMs === undefined) return 0;

    const waitMs = untilMs - this.#clock.nowMs();
    if (waitMs <= 0) {
      this.#blockedUntilMs.delete(address);
      return 0;
    }
    return Math.ceil(waitMs / 1000);
  }

  /** Counts one rejected token from the address; blocks it once over the limit. */
  async recordFailure(address: string): Promise<void> {
    const nowMs = this.#clock.nowMs();
    const counter = await this.#store.incrementCounter(`guess:${address}`, this.#windowMs, nowMs);
    if (counter.count < this.#limit) return;

    this.#blockedUntilMs.delete(address);
    this.#blockedUntilMs.set(address, counter.resetAtMs);
    if (this.#blockedUntilMs.size > this.#maxBlocked) {
      const oldest = this.#blockedUntilMs.keys().next();
      if (!oldest.done) this.#blockedUntilMs.delete(oldest.value);
    }
  }
}
