/**
 * Runs at most `maxConcurrent` jobs at once and lets at most `maxQueued` wait. A job offered
 * when the queue is full is refused at once with the error from `busyError`, so overload turns
 * into fast refusals instead of an ever-growing queue and ever-later answers.
 */
export class ConcurrencyLimiter {
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #busyError: () => Error;
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(maxConcurrent: number, maxQueued: number, busyError: () => Error) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError('maxConcurrent must be an integer of at least 1');
    }
    if (!Number.isInteger(maxQueued) || maxQueued < 0) {
      throw new RangeError('maxQueued must be an integer of at least 0');
    }
    this.#maxConcurrent = maxConcurrent;
    this.#maxQueued = maxQueued;
    this.#busyError = busyError;
  }

  get inFlight(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#maxConcurrent) {
      if (this.#waiting.length >= this.#maxQueued) throw this.#busyError();
      // The slot is handed over by #release, which counts it as running on our behalf.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }

    try {
      return await job();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running -= 1;
  }
}
