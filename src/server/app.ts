import { createServer } from 'node:http';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { installErrorHandler } from './error-handler.js';
import { installMethodRouting } from './method-routing.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerEchoRoute } from './routes/echo-route.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerIntrospectionRoutes } from './routes/introspection-routes.js';
import { registerLoginRoute } from './routes/login-route.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerVerifyRoute } from './routes/verify-route.js';
import type { ServerServices } from './services.js';

/** The largest body any route accepts, counted on the bytes actually received. */
export const BODY_LIMIT_BYTES = 8 * 1024;

/** Builds the HTTP application. It does not listen: the caller does, or injects requests. */
export async function buildApp(services: ServerServices): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    // Routine requests are not logged at info: security events are, by the audit log.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    requestTimeout: 30_000,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // An exposed service must cut slow-loris clients: headers within 10 s, a whole request
    // within 30 s, checked every second rather than Node's default of 30 s.
    serverFactory: (handler) => {
      const server = createServer(
        { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
        handler,
      );
      server.keepAliveTimeout = config.keepAliveTimeoutMs;
      return server;
    },
  });

  // Only the body types the contract names; anything else is a 415.
  app.removeContentTypeParser('text/plain');
  await app.register(formbody);

  app.decorateRequest('auth', null);
  installErrorHandler(app, services);
  installMethodRouting(app);
  installRequestMetrics(app, services);

  registerHealthRoutes(app, services);
  registerLoginRoute(app, services);
  registerEchoRoute(app, services);
  registerSessionRoutes(app, services);
  registerAccountRoutes(app, services);
  registerVerifyRoute(app, services);
  registerIntrospectionRoutes(app, services);
  return app;
}

function installRequestMetrics(app: FastifyInstance, services: ServerServices): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    services.metrics.requestSeconds.observe(
      { route, method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    request.log.debug(
      { method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime },
      'request completed',
    );
  });
}
