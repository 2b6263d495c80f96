import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

/**
 * Random bytes from the CSPRNG, drawn a page at a time: one `randomFillSync` call serves a
 * hundred tokens instead of one, which matters on the login path. Bytes are handed out once
 * and the pool is refilled when spent, so no two callers ever share bytes.
 */
export class RandomPool {
  readonly #pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  #offset = POOL_BYTES;

  /** `size` fresh random bytes as base64url; `size` must not exceed the pool. */
  take(size: number): string {
    if (this.#offset + size > POOL_BYTES) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const start = this.#offset;
    this.#offset += size;
    return this.#pool.toString('base64url', start, start + size);
  }
}
