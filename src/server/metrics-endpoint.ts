import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sendApiError } from './error-handler.js';
import { ApiError, serviceUnavailable } from './errors.js';

/** What a scrape reads: one process's registry, or the primary's view of all its workers. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/**
 * `GET /metrics`, behind the bearer secret when one is configured. The secret is compared as a
 * digest: fixed length, so a constant-time comparison reveals neither its length nor how many
 * leading characters a guess got right.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  source: MetricsSource,
  metricsToken: string | null,
): void {
  const expectedDigest = metricsToken === null ? null : sha256(`Bearer ${metricsToken}`);
  app.get('/metrics', async (request, reply) => {
    const presented = request.headers.authorization ?? '';
    if (expectedDigest !== null && !timingSafeEqual(sha256(presented), expectedDigest)) {
      throw new ApiError('INVALID_CLIENT', {
        headers: { 'www-authenticate': 'Bearer realm="tokenauth-metrics"' },
        reason: 'metrics scrape without the configured bearer secret',
      });
    }
    reply.type(source.contentType);
    return source.metrics();
  });
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A listener of its own for `/metrics` (`--metrics-port`), so that scrapes can be kept on a
 * private interface while the API port faces clients. It answers nothing else.
 */
export async function startMetricsListener(
  options: { host: string; port: number; metricsToken: string | null },
  source: MetricsSource,
  logger: Logger,
): Promise<MetricsListener> {
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  app.setNotFoundHandler((_request, reply) => sendApiError(reply, new ApiError('NOT_FOUND')));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      logger.info({ reqId: request.id, code: error.code, reason: error.reason }, 'scrape refused');
      sendApiError(reply, error);
      return;
    }
    // A worker that did not answer the primary in time, or a collector that threw.
    logger.error({ reqId: request.id, err: { message: error.message } }, 'scrape failed');
    sendApiError(reply, serviceUnavailable('metrics could not be collected'));
  });
  registerMetricsRoute(app, source, options.metricsToken);
  await app.listen({ host: options.host, port: options.port });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}`, close: () => app.close() };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
