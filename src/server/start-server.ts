import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import { formatDuration } from '../core/durations.js';
import { loadCommonPasswords } from '../core/passwords/password-policy.js';
import { describeStoreUrl, openStore } from '../stores/open-store.js';
import { buildApp } from './app.js';
import { type MetricsListener, startMetricsListener } from './metrics-endpoint.js';
import type { ServerServices } from './services.js';
import { createServices, type ServiceOptions } from './services-factory.js';

const SWEEP_INTERVAL_MS = 60_000;

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly services: ServerServices;
  /** Where `/metrics` is scraped when `--metrics-port` gives it a listener of its own. */
  readonly metricsUrl: string | null;
  /** Stops accepting, drains in-flight requests, flushes pending writes, closes the store. */
  close(): Promise<void>;
}

export interface StartOptions extends ServiceOptions {
  /**
   * A cluster worker: the primary serves `--metrics-port` for all workers and asks each for
   * its figures, so the worker opens no metrics listener of its own.
   */
  readonly metricsServedByPrimary?: boolean;
}

export async function startServer(
  config: ServerConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  const store = await openStore(config.store, logger);
  const services = createServices(config, logger, store, options);
  const passwordChecks = config.login === 'password' ? startPasswordChecks(services) : undefined;
  const app = await buildApp(services);
  await app.listen({ host: config.host, port: config.port });
  await passwordChecks?.catch(async (error: unknown) => {
    await app.close();
    await store.close();
    throw error;
  });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  const metricsListener = await openMetricsListener(services, options).catch(
    async (error: unknown) => {
      await app.close();
      await store.close();
      throw error;
    },
  );

  const sweeper = setInterval(() => void sweepExpired(services), SWEEP_INTERVAL_MS).unref();
  await announce(services, url, metricsListener);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= shutDown(services, app, sweeper, metricsListener);
    return closing;
  };
  return { url, app, services, metricsUrl: metricsListener?.url ?? null, close };
}

async function openMetricsListener(
  services: ServerServices,
  options: StartOptions,
): Promise<MetricsListener | null> {
  const { config } = services;
  if (config.metricsPort === null || options.metricsServedByPrimary) return null;
  return startMetricsListener(
    { host: config.metricsHost, port: config.metricsPort, metricsToken: config.metricsToken },
    services.metrics.registry,
    services.logger,
  );
}

/**
 * Fails at start, not at the first registration, if the common-password list is missing; and
 * makes the dummy hash, so the first unknown-id login costs what every other one does. The
 * hash runs on the thread pool while Fastify builds and starts listening, not before: start-up
 * is shorter by its 50–100 ms. A login arriving before it is done waits for the same dummy.
 */
function startPasswordChecks(services: ServerServices): Promise<void> {
  loadCommonPasswords();
  const warmUp = services.hasher.warmUp();
  // Until startServer awaits it, a failure must not count as an unhandled rejection.
  warmUp.catch(() => undefined);
  return warmUp;
}

async function announce(
  services: ServerServices,
  url: string,
  metricsListener: MetricsListener | null,
): Promise<void> {
  const { config, logger } = services;
  if (config.login === 'open') {
    logger.warn(
      { login: 'open' },
      'open login authenticates nobody: any id gets a token; use it for the lab and tests only',
    );
  } else if ((await countUsersSafely(services)) === 0) {
    logger.warn(
      `no users yet: add one with \`tokenauth users add ID --store ${describeStoreUrl(config.store)}\``,
    );
  }
  logger.info(
    {
      url,
      ...(metricsListener ? { metricsUrl: `${metricsListener.url}/metrics` } : {}),
      store: describeStoreUrl(config.store),
      login: config.login,
      tokenTtl: formatDuration(config.tokenTtlMs),
      idleTimeout: config.idleTimeoutMs === 0 ? 'off' : formatDuration(config.idleTimeoutMs),
    },
    'tokenauth ready',
  );
}

async function countUsersSafely(services: ServerServices): Promise<number | null> {
  try {
    return (await services.store.listUsers()).length;
  } catch {
    return null;
  }
}

async function sweepExpired(services: ServerServices): Promise<void> {
  try {
    const removed = await services.tokens.sweepExpired();
    if (removed > 0) services.logger.debug({ removed }, 'expired tokens swept');
  } catch {
    services.logger.warn({ event: 'sweep_failed' }, 'could not sweep expired tokens');
  }
}

async function shutDown(
  services: ServerServices,
  app: FastifyInstance,
  sweeper: NodeJS.Timeout,
  metricsListener: MetricsListener | null,
): Promise<void> {
  clearInterval(sweeper);
  const drainMs = services.config.shutdownDrainMs;
  // Past the drain time, connections still open are cut so that shutdown cannot hang.
  const forceClose = setTimeout(() => app.server.closeAllConnections(), drainMs).unref();
  await app.close();
  clearTimeout(forceClose);
  await metricsListener?.close();
  await services.usage.flush();
  await services.store.close();
  services.logger.info('tokenauth stopped');
}
