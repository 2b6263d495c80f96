import cluster from 'node:cluster';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import {
  ConfigError,
  loadServerConfig,
  SERVER_SETTINGS,
  type ServerConfig,
} from '../config/server-config.js';
import { UsageError } from './usage-error.js';

export function addServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('run the token server (flags override TOKENAUTH_* environment variables)');
  for (const setting of SERVER_SETTINGS) {
    const boolean = setting.flag === '--allow-registration';
    const spec = boolean ? setting.flag : `${setting.flag} <value>`;
    serve.option(
      spec,
      `${setting.expected} [env ${setting.env}, default ${setting.fallback || 'none'}]`,
    );
  }
  serve.action(async (options: Record<string, string | boolean | undefined>) => {
    const config = readConfig(options);
    if (config.workers > 1 && cluster.isPrimary) {
      await runPrimary(config);
      return;
    }
    if (cluster.isWorker) {
      await runServer(config).catch((error: unknown) => {
        // The channel to the primary would keep a worker that failed to start alive, doing
        // nothing; closing it lets the process end with its error, so the primary sees it.
        cluster.worker?.disconnect();
        throw error;
      });
      return;
    }
    await runServer(config);
  });
}

function readConfig(options: Record<string, string | boolean | undefined>): ServerConfig {
  const flags: Record<string, string> = {};
  for (const setting of SERVER_SETTINGS) {
    const key = setting.flag
      .slice(2)
      .replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    const value = options[key];
    if (value !== undefined) flags[setting.flag] = String(value);
  }
  try {
    return loadServerConfig(flags, process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

async function runServer(config: ServerConfig): Promise<void> {
  // Imported when `serve` runs, so the other commands do not load Fastify and prom-client.
  const [{ createLogger }, { startServer }] = await Promise.all([
    import('../server/logger.js'),
    import('../server/start-server.js'),
  ]);
  const logger = createLogger(config.logLevel);
  const inCluster = cluster.isWorker && config.metricsPort !== null;
  const server = await startServer(config, logger, { metricsServedByPrimary: inCluster });
  if (inCluster) {
    const { shareMetricsWithPrimary } = await import('../server/cluster-metrics.js');
    shareMetricsWithPrimary(server.services.metrics.registry);
  }

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * Forks one process per worker; they share the listening port through node's cluster. A worker
 * that dies after it was listening is replaced. One that dies before (a store that cannot be
 * opened, a port in use) would only fail again, so the primary stops everything and exits 1.
 */
async function runPrimary(config: ServerConfig): Promise<void> {
  // The primary only forks and logs; the workers load the server.
  const { createLogger } = await import('../server/logger.js');
  const logger = createLogger(config.logLevel);
  const listening = new Set<number>();
  let live = 0;
  let exitCode: number | null = null;

  const fork = () => {
    live += 1;
    cluster.fork();
  };
  const stopAll = (code: number) => {
    exitCode ??= code;
    if (live === 0) process.exit(exitCode);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };

  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    live -= 1;
    const wasListening = listening.delete(worker.id);
    if (exitCode !== null) {
      if (live === 0) process.exit(exitCode);
      return;
    }
    const details = { workerPid: worker.process.pid, code, signal };
    if (!wasListening) {
      logger.error(details, 'a worker exited before it was ready; stopping the others');
      stopAll(1);
      return;
    }
    logger.error(details, 'worker died; starting another');
    fork();
  });

  for (let i = 0; i < config.workers; i += 1) fork();
  process.once('SIGTERM', () => stopAll(0));
  process.once('SIGINT', () => stopAll(0));
  const metricsUrl = await startPrimaryMetrics(config, logger);
  logger.info({ workers: config.workers, metricsUrl }, 'tokenauth primary started');
}

/** With --metrics-port the primary serves every worker's figures merged; else say what /metrics shows. */
async function startPrimaryMetrics(config: ServerConfig, logger: Logger): Promise<string | null> {
  if (config.metricsPort === null) {
    logger.warn(
      'with --workers, /metrics on --port shows the figures of whichever worker answers; set --metrics-port to scrape all of them at once',
    );
    return null;
  }
  const { startClusterMetricsListener } = await import('../server/cluster-metrics.js');
  const listener = await startClusterMetricsListener(config, config.metricsPort, logger);
  return `${listener.url}/metrics`;
}
