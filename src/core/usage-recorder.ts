import type { Logger } from 'pino';
import type { Store, TokenUse } from '../stores/store.js';

/**
 * Coalesces "this token was used" writes so that sliding the idle window does not turn every
 * request into a store write. Every use only updates an in-memory entry for its token; the
 * entries are written in one batch at most once per `intervalMs`, so a token busy with a
 * thousand requests a minute costs one store write a minute.
 *
 * Staleness: the stored `lastUsedAtMs` (and idle deadline) lags the last use by at most one
 * interval. Within this process `pendingUse` closes the gap, so sliding is exact here. Other
 * processes sharing the store see the older deadline, so there idle expiry can come up to one
 * interval early, never late. Uses still queued when the process dies, or whose batch fails
 * to write, are lost: that only shortens the idle window of those tokens.
 */
export class UsageRecorder {
  readonly #pending = new Map<string, TokenUse>();
  /** The batch being written: still counted, so a token cannot look idle mid-write. */
  #writing = new Map<string, TokenUse>();
  readonly #store: Store;
  readonly #logger: Logger;
  readonly intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { store: Store; logger: Logger; intervalMs: number }) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.intervalMs = options.intervalMs;
  }

  /** Remembers a use; the next batch writes the latest use of each token. */
  note(digest: string, idleExpiresAtMs: number, nowMs: number): void {
    const queued = this.#pending.get(digest);
    if (queued && queued.lastUsedAtMs >= nowMs) return;

    this.#pending.set(digest, { digest, lastUsedAtMs: nowMs, idleExpiresAtMs });
    this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** The queued, not yet written use of a token, if any. */
  pendingUse(digest: string): TokenUse | undefined {
    return this.#pending.get(digest) ?? this.#writing.get(digest);
  }

  /** Writes every queued use now. Never throws: a failed batch is logged and dropped. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;

    const writing = new Map(this.#pending);
    this.#writing = writing;
    this.#pending.clear();
    const batch = [...writing.values()];
    try {
      await this.#store.recordTokenUses(batch);
    } catch (error) {
      this.#logger.warn(
        { event: 'usage_write_failed', uses: batch.length, err: describeError(error) },
        'could not record token use; idle windows of these tokens were not extended',
      );
    } finally {
      if (this.#writing === writing) this.#writing = new Map();
    }
  }
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: 'unknown error' };
}
