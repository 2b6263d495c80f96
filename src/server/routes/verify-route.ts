import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateToken } from '../authenticate.js';
import { sendApiError } from '../error-handler.js';
import { ApiError, CHALLENGE } from '../errors.js';
import type { ServerServices } from '../services.js';

/**
 * Forward-auth for reverse proxies (nginx `auth_request`, Traefik ForwardAuth, Caddy
 * `forward_auth`); docs/gateways.md has their configurations. It answers every method Fastify
 * knows, in the onRequest hook, before Fastify would wait for a body: nginx sends the client's
 * Content-Length on a subrequest that has no body. It only ever answers 200, 401 or 5xx, since
 * nginx turns any other status of the subrequest into a 500.
 */
export function registerVerifyRoute(app: FastifyInstance, services: ServerServices): void {
  app.route({
    method: app.supportedMethods,
    url: '/verify',
    onRequest: async (request, reply) => {
      // A body was announced that we will not read: the bytes that follow on this connection
      // could be that body or the next request, so the connection is closed after the answer.
      if (announcesBody(request)) reply.header('connection', 'close');
      try {
        const auth = await authenticateToken(services, request, { throttledAs: 'invalid_token' });
        reply
          .code(200)
          .header('x-auth-user', encodeUserIdHeader(auth.userId))
          .header('x-auth-expires', new Date(auth.expiresAtMs).toISOString())
          .header('cache-control', 'no-store')
          .send();
      } catch (error) {
        sendVerifyFailure(request, reply, error);
      }
      return reply;
    },
    handler: async () => undefined,
  });
}

function announcesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return (
    (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
  );
}

/** 401s and 5xx pass to the error handler; any other refusal becomes a 401 for the proxy. */
function sendVerifyFailure(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const refused = error instanceof ApiError && error.statusCode >= 400 && error.statusCode < 500;
  if (refused && error.statusCode !== 401 && error.statusCode !== 403) {
    // A malformed request (two Authorization headers, a token in the query) is still "not
    // authenticated" to a proxy: 401, never 400.
    const entry = { reqId: request.id, code: error.code, reason: error.reason };
    request.log.info(entry, 'forward-auth refused');
    const unauthorized = new ApiError('INVALID_TOKEN', {
      headers: { 'www-authenticate': CHALLENGE.invalidRequest },
    });
    sendApiError(reply, unauthorized);
    return;
  }
  throw error;
}

/**
 * Header values must be visible ASCII. Ids are Unicode, so anything outside printable ASCII,
 * and `%` itself, is percent-encoded as UTF-8: `decodeURIComponent` restores the exact id, and
 * plain ASCII ids such as e-mail addresses pass unchanged.
 */
export function encodeUserIdHeader(userId: string): string {
  return userId.replace(/[^\x21-\x24\x26-\x7e]/gu, (char) => encodeURIComponent(char));
}
