import { loadServerConfig } from '../../src/config/server-config.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/server/logger.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import { LogCapture } from './log-capture.js';

export interface TestServer extends RunningServer {
  readonly logs: LogCapture;
}

/**
 * A real tokenauth server on 127.0.0.1 and a free port, with the memory store and open login
 * unless `flags` say otherwise; its log lines are captured for assertions.
 */
export async function startTestServer(
  flags: Record<string, string> = {},
  options: { clock?: Clock; logLevel?: 'info' | 'debug' } = {},
): Promise<TestServer> {
  const config = loadServerConfig(
    {
      '--port': '0',
      '--store': 'memory:',
      '--login': 'open',
      '--log-level': options.logLevel ?? 'info',
      ...flags,
    },
    {},
  );
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const serviceOptions = options.clock
    ? { clock: options.clock, defaultMetrics: false }
    : { defaultMetrics: false };
  const server = await startServer(config, logger, serviceOptions);
  return { ...server, logs };
}

export function form(fields: Record<string, string>): { body: URLSearchParams } {
  return { body: new URLSearchParams(fields) };
}

export function json(value: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(value), headers: { 'content-type': 'application/json' } };
}

export async function loginOpen(url: string, id = 'user@email.com'): Promise<string> {
  const response = await fetch(`${url}/login`, { method: 'POST', ...form({ id }) });
  if (response.status !== 200) throw new Error(`login failed with ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}
