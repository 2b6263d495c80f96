import type { TokenRecord, TokenUse } from '../store.js';
import { TokenSlab } from './token-slab.js';
import { UserTokenIndex } from './user-token-index.js';

/**
 * The memory store's tokens: digest → slot number in a TokenSlab, plus the per-user index.
 * Every method is synchronous, so no other call can see a half-done change (for example a
 * user over the token limit between the insert and the eviction).
 */
export class MemoryTokenTable {
  /** The digest lives only here, as the key; the slab never holds a second copy. */
  readonly #slotByDigest = new Map<string, number>();
  readonly #slab = new TokenSlab();
  readonly #byUser = new UserTokenIndex();

  get size(): number {
    return this.#slotByDigest.size;
  }

  /** Stores `token`, replacing any token with the same digest, then applies the limit. */
  insert(token: TokenRecord, maxTokensPerUser: number): void {
    this.delete(token.digest);

    const slot = this.#slab.allocate(token, this.#sharedUserId(token.userId));
    this.#slotByDigest.set(token.digest, slot);
    this.#byUser.add(token.userId, token.digest);
    this.#evictOldest(token.userId, maxTokensPerUser);
  }

  find(digest: string): TokenRecord | null {
    const slot = this.#slotByDigest.get(digest);
    return slot === undefined ? null : this.#slab.read(slot, digest);
  }

  recordUses(uses: readonly TokenUse[]): void {
    for (const use of uses) {
      const slot = this.#slotByDigest.get(use.digest);
      if (slot !== undefined) this.#slab.recordUse(slot, use.lastUsedAtMs, use.idleExpiresAtMs);
    }
  }

  delete(digest: string): boolean {
    const slot = this.#slotByDigest.get(digest);
    if (slot === undefined) return false;

    this.#byUser.remove(this.#slab.userIdOf(slot), digest);
    this.#forget(digest, slot);
    return true;
  }

  deleteUser(userId: string): number {
    const digests = this.#byUser.removeUser(userId);
    for (const digest of digests) {
      const slot = this.#slotByDigest.get(digest);
      if (slot !== undefined) this.#forget(digest, slot);
    }
    return digests.length;
  }

  /** Every token of the user, oldest `createdAtMs` first; ties keep insertion order. */
  listUser(userId: string): TokenRecord[] {
    return this.#slotsOldestFirst(userId).map(({ digest, slot }) => this.#slab.read(slot, digest));
  }

  deleteExpired(nowMs: number): number {
    let deleted = 0;
    // Deleting the entry just visited is safe while iterating a Map.
    for (const [digest, slot] of this.#slotByDigest) {
      if (!this.#slab.isDeadAt(slot, nowMs)) continue;
      this.#byUser.remove(this.#slab.userIdOf(slot), digest);
      this.#forget(digest, slot);
      deleted += 1;
    }
    return deleted;
  }

  #evictOldest(userId: string, maxTokensPerUser: number): void {
    const excess = this.#byUser.digestsOf(userId).length - maxTokensPerUser;
    if (excess <= 0) return;

    // Oldest by createdAtMs, not by insertion: a token may be stored after a newer one.
    for (const { digest } of this.#slotsOldestFirst(userId).slice(0, excess)) this.delete(digest);
  }

  #slotsOldestFirst(userId: string): { digest: string; slot: number }[] {
    const entries: { digest: string; slot: number }[] = [];
    for (const digest of this.#byUser.digestsOf(userId)) {
      const slot = this.#slotByDigest.get(digest);
      if (slot !== undefined) entries.push({ digest, slot });
    }
    // The sort is stable, so equal timestamps fall back to insertion order.
    return entries.sort(
      (a, b) => this.#slab.createdAtMsOf(a.slot) - this.#slab.createdAtMsOf(b.slot),
    );
  }

  /** The user id string already held for this user's tokens, so all of them share one. */
  #sharedUserId(userId: string): string {
    const sibling = this.#byUser.anyDigestOf(userId);
    const slot = sibling === undefined ? undefined : this.#slotByDigest.get(sibling);
    return slot === undefined ? userId : this.#slab.userIdOf(slot);
  }

  #forget(digest: string, slot: number): void {
    this.#slotByDigest.delete(digest);
    this.#slab.release(slot);
  }
}
