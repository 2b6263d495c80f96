import type { FastifyInstance } from 'fastify';
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

  // Ready: the store answers, so this instance can do its job.
  app.get('/readyz', async () => {
    const storeLabel = { store: services.store.kind };
    try {
      await services.store.ping();
    } catch (error) {
      services.metrics.storeUp.set(storeLabel, 0);
      throw serviceUnavailable('store not ready', error);
    }
    services.metrics.storeUp.set(storeLabel, 1);
    return { status: 'ready', store: services.store.kind };
  });

  app.get('/metrics', async (request, reply) => {
    const expected = services.config.metricsToken;
    if (expected !== null && request.headers.authorization !== `Bearer ${expected}`) {
      throw new ApiError('INVALID_CLIENT', {
        headers: { 'www-authenticate': 'Bearer realm="tokenauth-metrics"' },
        reason: 'metrics scrape without the configured bearer secret',
      });
    }
    reply.type(services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
}
