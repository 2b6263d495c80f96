import type { Logger } from 'pino';
import type { Store, TokenRecord, TokenUse } from '../stores/store.js';

/**
 * Coalesces "this token was used" writes so that sliding the idle window does not turn every
 * request into a store write. A token's use is queued at most once per `intervalMs`, and the
 * queue is written in one batch every `intervalMs`.
 *
 * Staleness: the stored `lastUsedAtMs` lags the truth by at most two intervals (one for the
 * per-token throttle, one for the batch). Within this process `pendingUse` closes the gap; other
 * processes sharing the store see the older deadline, so idle expiry can come up to two
 * intervals early there, never late. Uses still queued when the process dies are lost, which
 * only shortens the idle window of those tokens.
 */
export class UsageRecorder {
  readonly #pending = new Map<string, TokenUse>();
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { store: Store; logger: Logger; intervalMs: number }) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
  }

  /** Queues a use unless the stored or queued one is recent enough. */
  note(token: TokenRecord, idleExpiresAtMs: number, nowMs: number): void {
    const known = this.#pending.get(token.digest)?.lastUsedAtMs ?? token.lastUsedAtMs;
    if (nowMs - known < this.#intervalMs) return;

    this.#pending.set(token.digest, { digest: token.digest, lastUsedAtMs: nowMs, idleExpiresAtMs });
    this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs).unref();
  }

  /** The queued, not yet written use of a token, if any. */
  pendingUse(digest: string): TokenUse | undefined {
    return this.#pending.get(digest);
  }

  /** Writes every queued use now. Never throws: a failed batch is logged and dropped. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;

    const batch = [...this.#pending.values()];
    this.#pending.clear();
    try {
      await this.#store.recordTokenUses(batch);
    } catch (error) {
      this.#logger.warn(
        { event: 'usage_write_failed', uses: batch.length, err: describeError(error) },
        'could not record token use; idle windows of these tokens were not extended',
      );
    }
  }
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: 'unknown error' };
}
