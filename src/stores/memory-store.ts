import type {
  ClientRecord,
  CounterState,
  FailureState,
  Store,
  TokenRecord,
  TokenUse,
  UserRecord,
} from './store.js';

/**
 * Everything in this process's memory: the lab's dictionary, grown up. Fast and simple, but
 * lost on restart and invisible to other processes, so it suits tests and the lab mode only.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly #users = new Map<string, UserRecord>();
  readonly #tokens = new Map<string, TokenRecord>();
  /** userId → digests of that user's tokens, in creation order. */
  readonly #tokensByUser = new Map<string, Set<string>>();
  readonly #counters = new Map<string, CounterState>();
  readonly #failures = new Map<string, FailureState & { expiresAtMs: number }>();
  readonly #clients = new Map<string, ClientRecord>();

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  async createUser(user: UserRecord): Promise<boolean> {
    if (this.#users.has(user.id)) return false;
    this.#users.set(user.id, { ...user });
    return true;
  }

  async findUser(id: string): Promise<UserRecord | null> {
    return this.#users.get(id) ?? null;
  }

  async listUsers(): Promise<UserRecord[]> {
    return [...this.#users.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async updateUserPassword(id: string, passwordHash: string): Promise<boolean> {
    const user = this.#users.get(id);
    if (!user) return false;
    this.#users.set(id, { ...user, passwordHash });
    return true;
  }

  async updateUserDisabled(id: string, disabled: boolean): Promise<boolean> {
    const user = this.#users.get(id);
    if (!user) return false;
    this.#users.set(id, { ...user, disabled });
    return true;
  }

  async deleteUser(id: string): Promise<boolean> {
    if (!this.#users.delete(id)) return false;
    await this.deleteUserTokens(id);
    return true;
  }

  async createToken(token: TokenRecord, maxTokensPerUser: number): Promise<void> {
    this.#tokens.set(token.digest, { ...token });
    let digests = this.#tokensByUser.get(token.userId);
    if (!digests) {
      digests = new Set();
      this.#tokensByUser.set(token.userId, digests);
    }
    digests.add(token.digest);

    const excess = digests.size - maxTokensPerUser;
    if (excess <= 0) return;

    // Oldest by createdAtMs, not by insertion: a token may be stored after a newer one.
    // The sort is stable, so equal timestamps fall back to insertion order.
    // Done synchronously so no other call can observe the user over the limit.
    const oldestFirst = this.#userTokensOldestFirst(token.userId).slice(0, excess);
    for (const old of oldestFirst) {
      digests.delete(old.digest);
      this.#tokens.delete(old.digest);
    }
  }

  async findToken(digest: string): Promise<TokenRecord | null> {
    return this.#tokens.get(digest) ?? null;
  }

  async recordTokenUses(uses: readonly TokenUse[]): Promise<void> {
    for (const use of uses) {
      const token = this.#tokens.get(use.digest);
      if (!token) continue;
      this.#tokens.set(use.digest, {
        ...token,
        lastUsedAtMs: Math.max(token.lastUsedAtMs, use.lastUsedAtMs),
        idleExpiresAtMs: Math.max(token.idleExpiresAtMs, use.idleExpiresAtMs),
      });
    }
  }

  async deleteToken(digest: string): Promise<boolean> {
    const token = this.#tokens.get(digest);
    if (!token) return false;
    this.#tokens.delete(digest);
    this.#forgetUserDigest(token.userId, digest);
    return true;
  }

  async deleteUserTokens(userId: string): Promise<number> {
    const digests = this.#tokensByUser.get(userId);
    if (!digests) return 0;
    for (const digest of digests) this.#tokens.delete(digest);
    this.#tokensByUser.delete(userId);
    return digests.size;
  }

  async listUserTokens(userId: string): Promise<TokenRecord[]> {
    return this.#userTokensOldestFirst(userId);
  }

  async deleteExpiredTokens(nowMs: number): Promise<number> {
    let deleted = 0;
    for (const token of this.#tokens.values()) {
      if (nowMs < token.expiresAtMs && nowMs < token.idleExpiresAtMs) continue;
      this.#tokens.delete(token.digest);
      this.#forgetUserDigest(token.userId, token.digest);
      deleted += 1;
    }
    return deleted;
  }

  async countTokens(): Promise<number> {
    return this.#tokens.size;
  }

  async incrementCounter(key: string, windowMs: number, nowMs: number): Promise<CounterState> {
    const current = this.#counters.get(key);
    const next =
      current && nowMs < current.resetAtMs
        ? { count: current.count + 1, resetAtMs: current.resetAtMs }
        : { count: 1, resetAtMs: nowMs + windowMs };
    this.#counters.set(key, next);
    this.#sweepCounters(nowMs);
    return next;
  }

  async recordLoginFailure(key: string, nowMs: number, retentionMs: number): Promise<FailureState> {
    const current = await this.readLoginFailures(key, nowMs);
    const next = {
      failures: (current?.failures ?? 0) + 1,
      lastFailureAtMs: nowMs,
      expiresAtMs: nowMs + retentionMs,
    };
    this.#failures.set(key, next);
    return { failures: next.failures, lastFailureAtMs: next.lastFailureAtMs };
  }

  async readLoginFailures(key: string, nowMs: number): Promise<FailureState | null> {
    const state = this.#failures.get(key);
    if (!state) return null;
    if (nowMs >= state.expiresAtMs) {
      this.#failures.delete(key);
      return null;
    }
    return { failures: state.failures, lastFailureAtMs: state.lastFailureAtMs };
  }

  async clearLoginFailures(key: string): Promise<void> {
    this.#failures.delete(key);
  }

  async saveClient(client: ClientRecord): Promise<void> {
    this.#clients.set(client.name, { ...client, secretDigests: [...client.secretDigests] });
  }

  async findClient(name: string): Promise<ClientRecord | null> {
    return this.#clients.get(name) ?? null;
  }

  async listClients(): Promise<ClientRecord[]> {
    return [...this.#clients.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async deleteClient(name: string): Promise<boolean> {
    return this.#clients.delete(name);
  }

  #userTokensOldestFirst(userId: string): TokenRecord[] {
    const digests = this.#tokensByUser.get(userId) ?? [];
    const tokens: TokenRecord[] = [];
    for (const digest of digests) {
      const token = this.#tokens.get(digest);
      if (token) tokens.push(token);
    }
    return tokens.sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  #forgetUserDigest(userId: string, digest: string): void {
    const digests = this.#tokensByUser.get(userId);
    if (!digests) return;
    digests.delete(digest);
    if (digests.size === 0) this.#tokensByUser.delete(userId);
  }

  /** Expired counters are dropped lazily, a few at a time, so the map cannot grow forever. */
  #sweepCounters(nowMs: number): void {
    let inspected = 0;
    for (const [key, state] of this.#counters) {
      if (++inspected > 8) break;
      if (nowMs >= state.resetAtMs) this.#counters.delete(key);
    }
  }
}
