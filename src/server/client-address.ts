import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Filled by `clientAddress` the first time a request needs it. */
    clientAddressMemo: string | null;
  }
}

export function installClientAddress(app: FastifyInstance): void {
  app.decorateRequest('clientAddressMemo', null);
}

/**
 * The client's address: the socket peer, or what a trusted proxy says in `X-Forwarded-For`.
 * Fastify's `request.ip` parses that header again on every read, and a refused request reads
 * it up to three times (throttle, counter, audit line), so the first answer is kept.
 */
export function clientAddress(request: FastifyRequest): string {
  request.clientAddressMemo ??= request.ip;
  return request.clientAddressMemo;
}
