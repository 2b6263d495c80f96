import { MapSweeper } from './memory/map-sweeper.js';
import { MemoryTokenTable } from './memory/token-table.js';
import type {
  ClientRecord,
  CounterState,
  FailureState,
  Store,
  TokenRecord,
  TokenUse,
  UserRecord,
} from './store.js';

type StoredFailure = FailureState & { readonly expiresAtMs: number };

/**
 * Everything in this process's memory: the lab's dictionary, grown up. Fast and simple, but
 * lost on restart and invisible to other processes, so it suits tests and the lab mode only.
 *
 * Tokens are the one thing that grows with traffic, so they are laid out for size (see
 * MemoryTokenTable): timestamps in a Float64Array slab and strings in a parallel array, both
 * indexed by a reusable slot number, instead of an object per token whose five numbers are
 * each a separate 16-byte heap box; the digest held once, as the map key; a user's single
 * token indexed by the bare digest string rather than a Set; addresses and user agents shared
 * through bounded interners. Reads build a fresh TokenRecord, which costs little next to
 * the lookup.
 *
 * Measured with node --expose-gc after a full collection, one token per user with realistic
 * values (43-character digest, 16-character session id, `user-123456@example.com`,
 * 127.0.0.1, wrk/4.2), heap plus array buffers per live token:
 *
 * | live tokens | object per token, Set per user | this layout |
 * | ---         | ---                            | ---         |
 * | 100,000     | 579 B                          | 299 B       |
 * | 1,000,000   | 563 B                          | 264 B       |
 *
 * A fixed-shape class per token instead of the slab measured 357 B at 1,000,000. What is left
 * is mostly the strings themselves (digest 64 B, user id 40 B, session id 32 B) and two Map
 * entries (~30 B each). The server's RSS per token is higher than these figures: the heap
 * also holds request garbage between collections.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly #users = new Map<string, UserRecord>();
  readonly #tokens = new MemoryTokenTable();
  readonly #counters = new Map<string, CounterState>();
  readonly #failures = new Map<string, StoredFailure>();
  // Counters and failure records are written per request and keyed by what callers send, so
  // each write also drops a few dead ones: neither map can grow without bound.
  readonly #counterSweeper = new MapSweeper(
    this.#counters,
    (state: CounterState, nowMs) => nowMs >= state.resetAtMs,
  );
  readonly #failureSweeper = new MapSweeper(
    this.#failures,
    (state: StoredFailure, nowMs) => nowMs >= state.expiresAtMs,
  );
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
    this.#tokens.insert(token, maxTokensPerUser);
  }

  async findToken(digest: string): Promise<TokenRecord | null> {
    return this.#tokens.find(digest);
  }

  async recordTokenUses(uses: readonly TokenUse[]): Promise<void> {
    this.#tokens.recordUses(uses);
  }

  async deleteToken(digest: string): Promise<boolean> {
    return this.#tokens.delete(digest);
  }

  async deleteUserTokens(userId: string): Promise<number> {
    return this.#tokens.deleteUser(userId);
  }

  async listUserTokens(userId: string): Promise<TokenRecord[]> {
    return this.#tokens.listUser(userId);
  }

  async deleteExpiredTokens(nowMs: number): Promise<number> {
    return this.#tokens.deleteExpired(nowMs);
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
    this.#counterSweeper.sweep(nowMs);
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
    this.#failureSweeper.sweep(nowMs);
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
}
