import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendApiError } from '../error-handler.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import type { ServerServices } from '../services.js';

export function registerHealthRoutes(app: FastifyInstance, services: ServerServices): void {
  app.get('/', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return 'Authentication server running';
  });

  // Alive: the process answers. Says nothing about the store, so an orchestrator does not
  // restart a healthy process because Redis is down.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Ready: the store answers, so this instance can do its job. A failed probe is answered
  // without an error line: probes come every few seconds for as long as an outage lasts, and
  // the store already logs losing and regaining its connection once each.
  app.get('/readyz', async (request, reply) => {
    const storeLabel = { store: services.store.kind };
    try {
      await services.store.ping();
    } catch {
      services.metrics.storeUp.set(storeLabel, 0);
      request.log.debug(
        { reqId: request.id, store: services.store.kind },
        'readiness probe: store not ready',
      );
      sendApiError(reply, serviceUnavailable('store not ready'));
      return reply;
    }
    services.metrics.storeUp.set(storeLabel, 1);
    return { status: 'ready', store: services.store.kind };
  });

  const expectedDigest =
    services.config.metricsToken === null ? null : sha256(`Bearer ${services.config.metricsToken}`);
  app.get('/metrics', async (request, reply) => {
    const presented = request.headers.authorization ?? '';
    if (expectedDigest !== null && !timingSafeEqual(sha256(presented), expectedDigest)) {
      throw new ApiError('INVALID_CLIENT', {
        headers: { 'www-authenticate': 'Bearer realm="tokenauth-metrics"' },
        reason: 'metrics scrape without the configured bearer secret',
      });
    }
    reply.type(services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}

/**
 * Digests have a fixed length, so comparing them in constant time reveals neither the secret's
 * length nor how many of its leading characters a guess got right.
 */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
