import type { FastifyInstance } from 'fastify';
import { sendApiError } from './error-handler.js';
import { ApiError } from './errors.js';

/**
 * Fastify answers 404 for a known path with the wrong method; HTTP wants 405 with `Allow`.
 * Routes are recorded as they are added, and the not-found handler consults that record.
 */
export function installMethodRouting(app: FastifyInstance): void {
  const methodsByPath = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = new RegExp(`^${route.url.replace(/:[^/]+/g, '[^/]+')}$`);
    const entry = methodsByPath.get(route.url) ?? { pattern, methods: new Set<string>() };
    for (const method of methods) entry.methods.add(method);
    methodsByPath.set(route.url, entry);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    for (const { pattern, methods } of methodsByPath.values()) {
      if (!pattern.test(path)) continue;
      const allow = [...methods].join(', ');
      sendApiError(reply, new ApiError('METHOD_NOT_ALLOWED', { headers: { allow } }));
      return;
    }
    sendApiError(reply, new ApiError('NOT_FOUND'));
  });
}
