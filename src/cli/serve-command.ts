import cluster from 'node:cluster';
import type { Command } from 'commander';
import {
  ConfigError,
  loadServerConfig,
  SERVER_SETTINGS,
  type ServerConfig,
} from '../config/server-config.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/start-server.js';
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
      runPrimary(config);
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
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);

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

/** Forks one process per worker; they share the listening port through node's cluster. */
function runPrimary(config: ServerConfig): void {
  const logger = createLogger(config.logLevel);
  let stopping = false;
  for (let i = 0; i < config.workers; i += 1) cluster.fork();

  cluster.on('exit', (worker, code) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ workerPid: worker.process.pid, code }, 'worker died; starting another');
    cluster.fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  logger.info({ workers: config.workers }, 'tokenauth primary started');
}
