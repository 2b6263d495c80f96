import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { installBodyParsers } from './body-parsers.js';
import { installClientAddress } from './client-address.js';
import { installErrorHandler, sendApiError } from './error-handler.js';
import { ERROR_CATALOGUE, type ErrorCode, serviceUnavailable } from './errors.js';
import { installMethodRouting } from './method-routing.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerEchoRoute } from './routes/echo-route.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerIntrospectionRoutes } from './routes/introspection-routes.js';
import { registerLoginRoute } from './routes/login-route.js';
import { registerPasswordRoute } from './routes/password-route.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerVerifyRoute } from './routes/verify-route.js';
import type { ServerServices } from './services.js';

/** The largest body any route accepts, counted on the bytes actually received. */
export const BODY_LIMIT_BYTES = 8 * 1024;

/** Node's server timeouts; an exposed service must cut slow-loris clients promptly. */
export interface ServerTimeouts {
  /** The whole header block must arrive within this. */
  readonly headersMs: number;
  /** The whole request, body included, must arrive within this. */
  readonly requestMs: number;
  /** How often Node checks the two above (its default is 30 s, far too lax). */
  readonly checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = Object.freeze({
  headersMs: 10_000,
  requestMs: 30_000,
  checkIntervalMs: 1_000,
});

export interface AppOptions {
  /** Tests shorten these to see a slow client cut without waiting ten seconds. */
  readonly timeouts?: ServerTimeouts;
}

/** Builds the HTTP application. It does not listen: the caller does, or injects requests. */
export async function buildApp(
  services: ServerServices,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const { config } = services;
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    // Routine requests are not logged at info: security events are, by the audit log.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger: making one costs every request, and the few lines we log
    // per request carry `reqId` themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Fastify's own 503 has another body shape; installDrainRefusal answers in ours.
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    serverFactory: (handler) => {
      const server = createServer(
        {
          headersTimeout: timeouts.headersMs,
          requestTimeout: timeouts.requestMs,
          connectionsCheckingInterval: timeouts.checkIntervalMs,
        },
        handler,
      );
      // Behind a proxy this must exceed the proxy's idle timeout, or the proxy reuses a
      // connection this side has just closed and its client sees a 502.
      server.keepAliveTimeout = config.keepAliveTimeoutMs;
      deferIdleClose(server);
      return server;
    },
  });

  // Only the body types the contract names, decoded strictly; anything else is a 415.
  installBodyParsers(app);

  app.decorateRequest('auth', null);
  installClientAddress(app);
  installErrorHandler(app, services);
  installDrainRefusal(app);
  installMethodRouting(app);
  installRequestMetrics(app, services);

  registerHealthRoutes(app, services);
  registerLoginRoute(app, services);
  registerEchoRoute(app, services);
  registerSessionRoutes(app, services);
  registerAccountRoutes(app, services);
  registerPasswordRoute(app, services);
  registerVerifyRoute(app, services);
  registerIntrospectionRoutes(app, services);
  return app;
}

/** How long idle keep-alive connections stay open once shutdown begins. */
const IDLE_CLOSE_GRACE_MS = 1_000;

/**
 * Node closes idle keep-alive connections the instant shutdown begins; a client that is
 * sending on one at that instant gets a reset for a request it believes was delivered. Waiting
 * a moment lets such requests arrive and be answered 503 with `Connection: close` instead. The
 * race remains for a request sent exactly as the grace ends, which clients retry.
 */
function deferIdleClose(server: Server): void {
  const closeIdleNow = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    setTimeout(closeIdleNow, IDLE_CLOSE_GRACE_MS).unref();
  };
}

/** Node's parser refusals, by its error code; anything else it refuses is a malformed request. */
const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/**
 * Answers what Node's HTTP parser refuses (bad framing, oversized headers, slow clients) in
 * the catalogue's body shape, then closes: after a framing error the byte stream cannot be
 * trusted to hold another request.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = PARSER_ERRORS[error.code ?? ''] ?? 'INVALID_REQUEST';
  const { status, message } = ERROR_CATALOGUE[code];
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Once shutdown begins, requests that still arrive on open keep-alive connections get a 503
 * with `Connection: close`, so the client retries elsewhere; requests already running finish.
 */
function installDrainRefusal(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  // A callback hook, not an async one: it runs on every request, and a promise per request
  // for a flag that is almost always false is measurable.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!draining) {
      done();
      return;
    }
    reply.header('connection', 'close');
    sendApiError(reply, serviceUnavailable('shutting down'));
  });
}

function installRequestMetrics(app: FastifyInstance, services: ServerServices): void {
  // A callback hook, like the drain check: it runs once for every answer.
  app.addHook('onResponse', (request, reply, done) => {
    // Routes are the registered patterns (or 'unmatched'), so the label set stays bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const { statusCode, elapsedTime } = reply;
    services.metrics.observeRequest(route, request.method, statusCode, elapsedTime / 1000);
    if (services.logger.isLevelEnabled('debug')) {
      const fields = { reqId: request.id, method: request.method, route, status: statusCode };
      request.log.debug({ ...fields, ms: elapsedTime }, 'request completed');
    }
    done();
  });
}
