/**
 * userId → digests of that user's tokens, in insertion order.
 *
 * Most users hold one token, and a Set per user would cost well over a hundred bytes for that
 * one digest. So a single token is held as the digest string itself and only a second token
 * turns the entry into an array; the array is small (bounded by the per-user token limit), so
 * a linear search to remove one digest is cheaper than any hashed structure.
 */
export class UserTokenIndex {
  readonly #byUser = new Map<string, string | string[]>();

  /** The user's digests, oldest insertion first; empty when the user holds none. */
  digestsOf(userId: string): readonly string[] {
    const entry = this.#byUser.get(userId);
    if (entry === undefined) return [];
    return typeof entry === 'string' ? [entry] : entry;
  }

  /** Any one digest of the user, without allocating; undefined when the user holds none. */
  anyDigestOf(userId: string): string | undefined {
    const entry = this.#byUser.get(userId);
    return typeof entry === 'string' ? entry : entry?.[0];
  }

  add(userId: string, digest: string): void {
    const entry = this.#byUser.get(userId);
    if (entry === undefined) this.#byUser.set(userId, digest);
    else if (typeof entry === 'string') this.#byUser.set(userId, [entry, digest]);
    else entry.push(digest);
  }

  remove(userId: string, digest: string): void {
    const entry = this.#byUser.get(userId);
    if (entry === undefined) return;
    if (typeof entry === 'string') {
      if (entry === digest) this.#byUser.delete(userId);
      return;
    }

    const at = entry.indexOf(digest);
    if (at >= 0) entry.splice(at, 1);
    // Back to the compact form, so a user who once held many tokens costs no more than one.
    const [only] = entry;
    if (entry.length === 1 && only !== undefined) this.#byUser.set(userId, only);
    else if (entry.length === 0) this.#byUser.delete(userId);
  }

  /** Forgets the user and resolves the digests they held. */
  removeUser(userId: string): readonly string[] {
    const digests = this.digestsOf(userId);
    this.#byUser.delete(userId);
    return digests;
  }
}
