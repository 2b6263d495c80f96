import { Redis, type RedisOptions, ReplyError } from 'ioredis';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../store.js';
import type { RedisTarget } from './redis-url.js';

export interface RedisConnectionOptions {
  readonly logger: Logger;
  readonly commandTimeoutMs: number;
}

/** How long a first connection attempt may take before `open` gives up waiting for it. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * A client that fails fast instead of queueing: while Redis is away every command rejects at
 * once (no offline queue) or after `commandTimeoutMs` (a frozen server), and nothing is resent
 * after a reconnect, so an INCR can never count twice. Reconnection goes on forever with a
 * short capped back-off, so the store heals by itself when Redis returns.
 */
export function createRedisClient(
  target: RedisTarget,
  options: RedisConnectionOptions,
): { client: Redis; watch: ConnectionWatch } {
  const common = {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    // Commands from concurrent requests issued in the same tick go out in one write.
    enableAutoPipelining: true,
  } satisfies RedisOptions;
  if (target.kind === 'node') {
    const client = new Redis(target.url, common);
    const { host, port, db } = client.options;
    const where = { host: host ?? 'localhost', port: port ?? 6379, db: db ?? 0 };
    return { client, watch: new ConnectionWatch(client, options.logger, where) };
  }
  const client = new Redis({
    ...common,
    ...target.options,
    // Asking the Sentinels again goes on forever too, so the store heals after they return.
    sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  });
  const where = { master: target.masterName, db: client.options.db ?? 0 };
  return { client, watch: new ConnectionWatch(client, options.logger, where) };
}

/**
 * Logs each change of connection state once (lost: warn, back: info), never per command.
 * Only where Redis is gets logged: the URL may carry a password. The 'error'
 * listener also keeps ioredis from crashing the process with an unhandled 'error' event.
 *
 * A frozen Redis (paused, swapping, stuck in a slow script) keeps its connection open, so no
 * event tells of it; the store reports its commands' fate instead, through `noteFailure` and
 * `noteAnswer`, and a run of timeouts is logged once like a lost connection.
 */
export class ConnectionWatch {
  readonly #client: Redis;
  readonly #logger: Logger;
  /** Host, port and database, or a Sentinel master's name: never credentials. */
  readonly #where: Readonly<Record<string, string | number>>;
  #state: 'connecting' | 'up' | 'silent' | 'down' = 'connecting';

  constructor(client: Redis, logger: Logger, where: Readonly<Record<string, string | number>>) {
    this.#client = client;
    this.#logger = logger;
    this.#where = where;

    client.on('ready', () => {
      const message =
        this.#state === 'connecting' ? 'redis connected' : 'redis connection restored';
      this.#logger.info(this.#where, message);
      this.#state = 'up';
    });
    client.on('error', (error: Error) => this.#markDown(error.message));
    client.on('close', () => this.#markDown('connection closed'));
  }

  /** A command failed: over an open connection, that means Redis did not answer in time. */
  noteFailure(error: unknown): void {
    if (this.#state !== 'up' || this.#client.status !== 'ready') return;
    if (error instanceof ReplyError) return;
    this.#logger.warn(this.#where, 'redis is not answering; commands time out');
    this.#state = 'silent';
  }

  noteAnswer(): void {
    if (this.#state !== 'silent') return;
    this.#logger.info(this.#where, 'redis is answering again');
    this.#state = 'up';
  }

  #markDown(reason: string): void {
    if (this.#state === 'down') return;
    const message =
      this.#state === 'connecting' ? 'redis is not reachable' : 'redis connection lost';
    this.#logger.warn({ ...this.#where, reason }, `${message}; retrying in the background`);
    this.#state = 'down';
  }
}

/**
 * Wraps any failure of a Redis call. The cause keeps only the error's name and message:
 * ioredis attaches the command and its arguments to reply errors, and those arguments can be
 * password hashes or token digests that must not reach a log through `cause`.
 */
export function toUnavailable(error: unknown): StoreUnavailableError {
  const cause = new Error(error instanceof Error ? error.message : 'unknown redis failure');
  if (error instanceof Error) {
    cause.name = error.name;
    if (error.stack !== undefined) cause.stack = error.stack;
  }
  return new StoreUnavailableError('redis', { cause });
}

/** Ends the connection politely, or abruptly when Redis does not answer QUIT in time. */
export async function closeRedisClient(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'end') return;

  // A deliberate close is not an outage: stop reporting state, but keep swallowing errors.
  client.removeAllListeners('close');
  client.removeAllListeners('error');
  client.on('error', () => {});

  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    if (client.status === 'ready') await Promise.race([client.quit(), gaveUp]);
  } catch {
    // Nothing to do: the connection is torn down below either way.
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
