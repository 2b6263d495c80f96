import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type {
  ClientRecord,
  CounterState,
  FailureState,
  Store,
  TokenRecord,
  TokenUse,
  UserRecord,
} from '../store.js';
import {
  type ConnectionWatch,
  closeRedisClient,
  createRedisClient,
  toUnavailable,
} from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import {
  clientFromHash,
  clientToHash,
  tokenFromHash,
  tokenToHash,
  userFromHash,
  userToHash,
} from './redis-records.js';
import { defineScripts, queueScript, runScript } from './redis-scripts.js';
import { parseRedisUrl } from './redis-url.js';

export interface RedisStoreOptions {
  readonly logger: Logger;
  /** Prepended to every key, so several deployments can share one Redis. */
  readonly keyPrefix?: string;
  /** A command without an answer after this long fails as unavailable. */
  readonly commandTimeoutMs?: number;
}

const DEFAULT_KEY_PREFIX = 'tokenauth:';
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const QUIT_TIMEOUT_MS = 1000;
/** Expired tokens deleted per script run, so a large sweep never blocks Redis for long. */
const SWEEP_BATCH = 500;

type Hash = Record<string, string>;

/**
 * Keeps everything in one Redis master (Redis 7 or later; found through Sentinel if the URL
 * says so), shared by every server process that points at it. Each token change runs as one
 * Lua script together with its indexes. Any failure to reach Redis surfaces as
 * StoreUnavailableError; the store never queues work for later, and it reconnects by itself.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly #client: Redis;
  readonly #watch: ConnectionWatch;
  readonly #keys: RedisKeys;
  readonly #prefix: string;

  private constructor(client: Redis, watch: ConnectionWatch, prefix: string) {
    this.#client = client;
    this.#watch = watch;
    this.#prefix = prefix;
    this.#keys = new RedisKeys(prefix);
  }

  /**
   * Connects to a `redis://`, `rediss://` (TLS) or `redis+sentinel://` URL (see redis-url.ts).
   * Resolves even when Redis is down, so a server can start before its Redis: calls then fail
   * as unavailable, and `ping` tells when the store is ready.
   */
  static async open(url: string, options: RedisStoreOptions): Promise<RedisStore> {
    const { client, watch } = createRedisClient(parseRedisUrl(url), {
      logger: options.logger,
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    });
    defineScripts(client);
    // A failed first attempt is already logged by the client's listeners and retried.
    await client.connect().catch(() => undefined);
    return new RedisStore(client, watch, options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#client.ping());
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#client, QUIT_TIMEOUT_MS);
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const keys = [this.#keys.user(user.id), this.#keys.users()];
    const args = [user.id, ...userToHash(user)];
    return (await this.#script('tokenauthCreateUser', keys, args)) === 1;
  }

  async findUser(id: string): Promise<UserRecord | null> {
    return userFromHash(await this.#run(() => this.#client.hgetall(this.#keys.user(id))));
  }

  async listUsers(): Promise<UserRecord[]> {
    const ids = await this.#run(() => this.#client.smembers(this.#keys.users()));
    const hashes = await this.#readHashes(ids.map((id) => this.#keys.user(id)));
    const users = hashes.map(userFromHash).filter((user) => user !== null);
    return users.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async updateUserPassword(id: string, passwordHash: string): Promise<boolean> {
    const args = ['passwordHash', passwordHash];
    return (await this.#script('tokenauthUpdateIfExists', [this.#keys.user(id)], args)) === 1;
  }

  async updateUserDisabled(id: string, disabled: boolean): Promise<boolean> {
    const args = ['disabled', disabled ? '1' : '0'];
    return (await this.#script('tokenauthUpdateIfExists', [this.#keys.user(id)], args)) === 1;
  }

  async deleteUser(id: string): Promise<boolean> {
    return (await this.#script('tokenauthDeleteUser', [], [this.#prefix, id])) === 1;
  }

  async createToken(token: TokenRecord, maxTokensPerUser: number): Promise<void> {
    const deadlineMs = Math.min(token.expiresAtMs, token.idleExpiresAtMs);
    await this.#script(
      'tokenauthCreateToken',
      [],
      [
        this.#prefix,
        token.digest,
        token.userId,
        maxTokensPerUser,
        token.createdAtMs,
        token.expiresAtMs,
        deadlineMs,
        ...tokenToHash(token),
      ],
    );
  }

  async findToken(digest: string): Promise<TokenRecord | null> {
    return tokenFromHash(await this.#run(() => this.#client.hgetall(this.#keys.token(digest))));
  }

  async recordTokenUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return;

    const batch = this.#client.pipeline();
    for (const use of uses) {
      const args = [this.#prefix, use.digest, use.lastUsedAtMs, use.idleExpiresAtMs];
      queueScript(batch, 'tokenauthRecordTokenUse', [], args);
    }
    await this.#exec(() => batch.exec());
  }

  async deleteToken(digest: string): Promise<boolean> {
    return (await this.#script('tokenauthDeleteToken', [], [this.#prefix, digest])) === 1;
  }

  async deleteUserTokens(userId: string): Promise<number> {
    return toCount(await this.#script('tokenauthDeleteUserTokens', [], [this.#prefix, userId]));
  }

  async listUserTokens(userId: string): Promise<TokenRecord[]> {
    const index = this.#keys.userTokens(userId);
    const digests = await this.#run(() => this.#client.zrange(index, 0, -1));
    const hashes = await this.#readHashes(digests.map((digest) => this.#keys.token(digest)));
    // Tokens that Redis expired between the two reads are simply left out.
    return hashes.map(tokenFromHash).filter((token) => token !== null);
  }

  async deleteExpiredTokens(nowMs: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const args = [this.#prefix, nowMs, SWEEP_BATCH];
      const reply = await this.#script('tokenauthDeleteExpiredTokens', [], args);
      const [examined, removed] = toCounts(reply);
      deleted += removed;
      if (examined < SWEEP_BATCH) return deleted;
    }
  }

  async countTokens(): Promise<number> {
    return toCount(await this.#script('tokenauthCountTokens', [], [this.#prefix]));
  }

  async incrementCounter(key: string, windowMs: number, nowMs: number): Promise<CounterState> {
    const args = [nowMs, windowMs, nowMs + windowMs];
    const reply = await this.#script('tokenauthIncrementCounter', [this.#keys.counter(key)], args);
    const [count, resetAtMs] = toCounts(reply);
    return { count, resetAtMs };
  }

  async recordLoginFailure(key: string, nowMs: number, retentionMs: number): Promise<FailureState> {
    const keys = [this.#keys.loginFailures(key)];
    const args = [nowMs, retentionMs, nowMs + retentionMs];
    const failures = toCount(await this.#script('tokenauthRecordLoginFailure', keys, args));
    return { failures, lastFailureAtMs: nowMs };
  }

  async readLoginFailures(key: string, nowMs: number): Promise<FailureState | null> {
    const fields = ['failures', 'lastFailureAtMs', 'expiresAtMs'] as const;
    const [failures, lastFailureAtMs, expiresAtMs] = await this.#run(() =>
      this.#client.hmget(this.#keys.loginFailures(key), ...fields),
    );
    if (!failures || !lastFailureAtMs || !expiresAtMs) return null;
    if (nowMs >= Number(expiresAtMs)) return null;
    return { failures: Number(failures), lastFailureAtMs: Number(lastFailureAtMs) };
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.#run(() => this.#client.del(this.#keys.loginFailures(key)));
  }

  async saveClient(client: ClientRecord): Promise<void> {
    const key = this.#keys.client(client.name);
    const batch = this.#client.multi();
    batch
      .del(key)
      .hset(key, ...clientToHash(client))
      .sadd(this.#keys.clients(), client.name);
    await this.#exec(() => batch.exec());
  }

  async findClient(name: string): Promise<ClientRecord | null> {
    return clientFromHash(await this.#run(() => this.#client.hgetall(this.#keys.client(name))));
  }

  async listClients(): Promise<ClientRecord[]> {
    const names = await this.#run(() => this.#client.smembers(this.#keys.clients()));
    const hashes = await this.#readHashes(names.map((name) => this.#keys.client(name)));
    const clients = hashes.map(clientFromHash).filter((client) => client !== null);
    return clients.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async deleteClient(name: string): Promise<boolean> {
    const batch = this.#client.multi();
    batch.del(this.#keys.client(name)).srem(this.#keys.clients(), name);
    const results = await this.#exec(() => batch.exec());
    return results[0] === 1;
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation();
      this.#watch.noteAnswer();
      return result;
    } catch (error) {
      this.#watch.noteFailure(error);
      throw toUnavailable(error);
    }
  }

  #script(name: Parameters<typeof runScript>[1], keys: string[], args: (string | number)[]) {
    return this.#run(() => runScript(this.#client, name, keys, args));
  }

  /** Runs a pipeline or transaction; any failed command fails the whole call. */
  async #exec(exec: () => Promise<[Error | null, unknown][] | null>): Promise<unknown[]> {
    const results = await this.#run(exec);
    if (results === null) throw toUnavailable(new Error('redis transaction was aborted'));

    const failed = results.find(([error]) => error !== null);
    if (failed?.[0]) throw toUnavailable(failed[0]);
    return results.map(([, value]) => value);
  }

  async #readHashes(keys: readonly string[]): Promise<Hash[]> {
    if (keys.length === 0) return [];

    const batch = this.#client.pipeline();
    for (const key of keys) batch.hgetall(key);
    const replies = await this.#exec(() => batch.exec());
    return replies.map((reply) => (isHash(reply) ? reply : {}));
  }
}

function isHash(value: unknown): value is Hash {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toCount(reply: unknown): number {
  if (typeof reply !== 'number') throw toUnavailable(new Error('unexpected redis reply'));
  return reply;
}

/** Two numbers from a script's array reply; numbers may arrive as strings. */
function toCounts(reply: unknown): [number, number] {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw toUnavailable(new Error('unexpected redis reply'));
  }
  return [Number(reply[0]), Number(reply[1])];
}
