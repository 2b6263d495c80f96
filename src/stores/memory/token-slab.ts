import type { TokenRecord } from '../store.js';
import { StringInterner } from './string-interner.js';

// Per slot, four timestamps in one Float64Array: a field of a plain object holding a number
// this large is a separate 16-byte heap box, here it is 8 bytes with no object around it.
const TIMES_PER_SLOT = 4;
const CREATED_AT = 0;
const LAST_USED_AT = 1;
const EXPIRES_AT = 2;
const IDLE_EXPIRES_AT = 3;

// Per slot, four string references in one array. The digest is not among them: it is the
// key of the store's digest map, and callers pass it back in when they read a slot.
const STRINGS_PER_SLOT = 4;
const SESSION_ID = 0;
const USER_ID = 1;
const CLIENT_ADDRESS = 2;
const USER_AGENT = 3;

const INITIAL_SLOTS = 1024;
/** Distinct addresses and user agents shared at once; see StringInterner. */
const INTERNED_VALUES = 10_000;

/**
 * Token records stored column-wise in numbered slots, so that a token costs its strings and
 * a few machine words instead of an object with five boxed numbers. Freed slots are reused
 * before the slab grows. The slab knows nothing of digests or users; MemoryTokenTable does.
 */
export class TokenSlab {
  #times = new Float64Array(INITIAL_SLOTS * TIMES_PER_SLOT);
  readonly #strings: string[] = [];
  readonly #freeSlots: number[] = [];
  /** Slots handed out so far, freed or not: the next new slot's number. */
  #highWater = 0;
  readonly #addresses = new StringInterner(INTERNED_VALUES);
  readonly #userAgents = new StringInterner(INTERNED_VALUES);

  /**
   * Copies `token` into a slot and returns the slot's number. `userId` replaces the record's
   * own, so that all tokens of one user can share one string.
   */
  allocate(token: TokenRecord, userId: string): number {
    const slot = this.#freeSlots.pop() ?? this.#newSlot();

    const times = slot * TIMES_PER_SLOT;
    this.#times[times + CREATED_AT] = token.createdAtMs;
    this.#times[times + LAST_USED_AT] = token.lastUsedAtMs;
    this.#times[times + EXPIRES_AT] = token.expiresAtMs;
    this.#times[times + IDLE_EXPIRES_AT] = token.idleExpiresAtMs;

    const strings = slot * STRINGS_PER_SLOT;
    this.#strings[strings + SESSION_ID] = token.sessionId;
    this.#strings[strings + USER_ID] = userId;
    this.#strings[strings + CLIENT_ADDRESS] = this.#addresses.intern(token.clientAddress);
    this.#strings[strings + USER_AGENT] = this.#userAgents.intern(token.userAgent);
    return slot;
  }

  /** A fresh record with the slot's fields; the caller owns it. */
  read(slot: number, digest: string): TokenRecord {
    const times = slot * TIMES_PER_SLOT;
    return {
      digest,
      sessionId: this.#string(slot, SESSION_ID),
      userId: this.#string(slot, USER_ID),
      createdAtMs: this.#time(times + CREATED_AT),
      lastUsedAtMs: this.#time(times + LAST_USED_AT),
      expiresAtMs: this.#time(times + EXPIRES_AT),
      idleExpiresAtMs: this.#time(times + IDLE_EXPIRES_AT),
      clientAddress: this.#string(slot, CLIENT_ADDRESS),
      userAgent: this.#string(slot, USER_AGENT),
    };
  }

  userIdOf(slot: number): string {
    return this.#string(slot, USER_ID);
  }

  createdAtMsOf(slot: number): number {
    return this.#time(slot * TIMES_PER_SLOT + CREATED_AT);
  }

  /** True once either deadline has passed, the deadline instant included. */
  isDeadAt(slot: number, nowMs: number): boolean {
    const times = slot * TIMES_PER_SLOT;
    return nowMs >= this.#time(times + EXPIRES_AT) || nowMs >= this.#time(times + IDLE_EXPIRES_AT);
  }

  /** Moves the last use and the idle deadline forward; an older value changes nothing. */
  recordUse(slot: number, lastUsedAtMs: number, idleExpiresAtMs: number): void {
    const times = slot * TIMES_PER_SLOT;
    const lastUsed = times + LAST_USED_AT;
    const idle = times + IDLE_EXPIRES_AT;
    this.#times[lastUsed] = Math.max(this.#time(lastUsed), lastUsedAtMs);
    this.#times[idle] = Math.max(this.#time(idle), idleExpiresAtMs);
  }

  /** Returns the slot for reuse; its strings are dropped so they can be collected. */
  release(slot: number): void {
    this.#strings.fill('', slot * STRINGS_PER_SLOT, (slot + 1) * STRINGS_PER_SLOT);
    this.#freeSlots.push(slot);
  }

  #newSlot(): number {
    const slot = this.#highWater;
    this.#highWater += 1;
    if (this.#highWater * TIMES_PER_SLOT > this.#times.length) {
      // Doubling keeps appends amortised O(1). The new buffer comes zeroed from the OS, so
      // its unused half costs address space, not resident memory, until slots are written.
      const grown = new Float64Array(this.#times.length * 2);
      grown.set(this.#times);
      this.#times = grown;
    }
    // Appended in order, so the array stays densely packed.
    for (let field = 0; field < STRINGS_PER_SLOT; field += 1) this.#strings.push('');
    return slot;
  }

  #time(index: number): number {
    return this.#times[index] ?? Number.NaN;
  }

  #string(slot: number, field: number): string {
    return this.#strings[slot * STRINGS_PER_SLOT + field] ?? '';
  }
}
