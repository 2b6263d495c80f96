/**
 * Hands back one shared copy of a string seen before, so a million tokens issued to the same
 * address or user agent hold one string between them, not a million equal ones.
 *
 * Bounded: once `capacity` distinct values are held, the table starts over. A flood of unique
 * values therefore costs at most `capacity` entries, and the values common after it are soon
 * shared again. Records made before a restart keep the copy they were given.
 */
export class StringInterner {
  readonly #capacity: number;
  readonly #values = new Map<string, string>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  intern(value: string): string {
    const known = this.#values.get(value);
    if (known !== undefined) return known;

    if (this.#values.size >= this.#capacity) this.#values.clear();
    this.#values.set(value, value);
    return value;
  }
}
