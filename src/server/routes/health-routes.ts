import type { FastifyInstance } from 'fastify';
import { sendApiError } from '../error-handler.js';
import { serviceUnavailable } from '../errors.js';
import { registerMetricsRoute } from '../metrics-endpoint.js';
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

  // With --metrics-port, scrapes go to their own listener and this port has no /metrics.
  if (services.config.metricsPort === null) {
    registerMetricsRoute(app, services.metrics.registry, services.config.metricsToken);
  }
}
