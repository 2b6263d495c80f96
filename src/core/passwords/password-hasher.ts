import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

/** Argon2id cost settings; memory is in KiB. */
export interface Argon2Params {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** The OWASP minimum for argon2id: 19 MiB, two passes, one lane (about 30 ms on a server). */
export const DEFAULT_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/** libuv's default thread pool has four threads; the binding hashes on that pool. */
export const DEFAULT_MAX_CONCURRENT_HASHES = 4;
export const DEFAULT_MAX_QUEUED_HASHES = 64;

export interface PasswordHasherOptions {
  readonly maxConcurrent?: number;
  readonly maxQueued?: number;
  readonly params?: Partial<Argon2Params>;
}

/** Refused because the hashing queue is full; the server answers 503 with `Retry-After`. */
export class HasherBusyError extends Error {
  override readonly name = 'HasherBusyError';
  readonly code = 'HASHER_BUSY';
  readonly retryAfterSeconds = 1;

  constructor() {
    super('too many password hashes are waiting');
  }
}

const ALGORITHM_PREFIX = '$argon2id$';

/**
 * Hashes and verifies passwords with argon2id, PHC strings in and out. The work runs on
 * libuv's thread pool, never on the event loop, and is bounded: at most `maxConcurrent` run
 * and at most `maxQueued` wait; anything more is refused with {@link HasherBusyError}.
 *
 * The thread pool is shared with file system calls, `dns.lookup` and zlib; with the default
 * four threads and four concurrent hashes those wait behind hashing. Raise UV_THREADPOOL_SIZE
 * above `maxConcurrent` when that matters.
 */
export class PasswordHasher {
  readonly params: Readonly<Argon2Params>;
  readonly #limiter: ConcurrencyLimiter;
  #dummyHash: Promise<string> | undefined;

  constructor(options: PasswordHasherOptions = {}) {
    this.params = Object.freeze(validParams({ ...DEFAULT_ARGON2_PARAMS, ...options.params }));
    this.#limiter = new ConcurrencyLimiter(
      options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_HASHES,
      options.maxQueued ?? DEFAULT_MAX_QUEUED_HASHES,
      () => new HasherBusyError(),
    );
  }

  /** Hashes currently running on the thread pool. */
  get inFlight(): number {
    return this.#limiter.inFlight;
  }

  /** Hashes waiting for a free slot. */
  get queued(): number {
    return this.#limiter.queued;
  }

  /** A PHC string with a fresh random salt. */
  hash(password: string): Promise<string> {
    return this.#limiter.run(() => this.#hashNow(password));
  }

  /** True when `password` matches; false for a wrong password or a malformed hash. */
  verify(phc: string, password: string): Promise<boolean> {
    return this.#limiter.run(() => verifyNow(phc, password));
  }

  /** True when `phc` was made with another algorithm or other costs than ours. */
  needsRehash(phc: string): boolean {
    if (!phc.startsWith(ALGORITHM_PREFIX)) return true;
    try {
      return argon2.needsRehash(phc, { ...this.params });
    } catch {
      return true;
    }
  }

  /**
   * Spends the time of one verification and answers false, so a login for an unknown id
   * costs what a wrong password costs. The dummy hash uses our current costs; users whose
   * hashes still carry older costs take a different time until they are re-hashed.
   */
  verifyAgainstDummy(password: string): Promise<false> {
    return this.#limiter.run(async (): Promise<false> => {
      await verifyNow(await this.#dummy(), password);
      return false;
    });
  }

  /** Makes the dummy hash now, so the first unknown-id login is not slower than the rest. */
  async warmUp(): Promise<void> {
    await this.#limiter.run(() => this.#dummy());
  }

  #hashNow(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  #dummy(): Promise<string> {
    if (!this.#dummyHash) {
      this.#dummyHash = this.#hashNow(randomBytes(32).toString('base64url'));
      // A failed attempt is forgotten, so the next caller tries again.
      this.#dummyHash.catch(() => {
        this.#dummyHash = undefined;
      });
    }
    return this.#dummyHash;
  }
}

async function verifyNow(phc: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(phc, password);
  } catch {
    // The binding throws for strings that are not PHC or carry impossible parameters.
    return false;
  }
}

function validParams(params: Argon2Params): Argon2Params {
  const { memoryCost, timeCost, parallelism } = params;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 255) {
    throw new RangeError('argon2 parallelism must be an integer from 1 to 255');
  }
  if (!Number.isInteger(timeCost) || timeCost < 1) {
    throw new RangeError('argon2 timeCost must be an integer of at least 1');
  }
  if (!Number.isInteger(memoryCost) || memoryCost < 8 * parallelism) {
    throw new RangeError('argon2 memoryCost must be an integer of at least 8 KiB per lane');
  }
  return { memoryCost, timeCost, parallelism };
}
