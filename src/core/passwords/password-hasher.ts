import { randomBytes } from 'node:crypto';
import type * as Argon2 from 'argon2';
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

type Argon2Binding = Pick<typeof Argon2, 'argon2id' | 'hash' | 'needsRehash' | 'verify'>;

/** Set once the binding has loaded; {@link PasswordHasher.needsRehash} must answer at once. */
let loadedArgon2: Argon2Binding | undefined;
let loadingArgon2: Promise<Argon2Binding> | undefined;

/**
 * The native binding is loaded on the first hash or verification, not at import: an
 * open-login server or a command that never hashes does not pay for loading it at start.
 */
function argon2(): Promise<Argon2Binding> {
  loadingArgon2 ??= import('argon2').then((module) => {
    const binding: Argon2Binding = module.default;
    loadedArgon2 = binding;
    return binding;
  });
  return loadingArgon2;
}

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

  /**
   * True when `phc` was made with another algorithm or other costs than ours. Asked before
   * any hash or verification in this process has loaded the binding, it answers false for
   * an argon2id hash: that upgrade then waits for a later login. Call it after `verify`.
   */
  needsRehash(phc: string): boolean {
    if (!phc.startsWith(ALGORITHM_PREFIX)) return true;
    if (!loadedArgon2) {
      void argon2().catch(() => undefined);
      return false;
    }
    try {
      return loadedArgon2.needsRehash(phc, { ...this.params });
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

  async #hashNow(password: string): Promise<string> {
    const binding = await argon2();
    return binding.hash(password, { type: binding.argon2id, ...this.params });
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
  const binding = await argon2();
  try {
    return await binding.verify(phc, password);
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
