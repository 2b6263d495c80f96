import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { bodySchema, idField, passwordField } from '../schemas.js';
import type { ServerServices } from '../services.js';

/** Self-service sign-up, off unless `--allow-registration`: then the route does not exist. */
export function registerAccountRoutes(app: FastifyInstance, services: ServerServices): void {
  if (!services.config.allowRegistration) return;

  app.post<{ Body: { id: string; password: string } }>(
    '/register',
    { schema: { body: bodySchema({ id: idField, password: passwordField }, ['id', 'password']) } },
    async (request, reply) => {
      const result = await services.accounts.addUser(request.body.id, request.body.password);
      if (!result.ok) {
        const code =
          result.reason === 'duplicate_id'
            ? 'ID_TAKEN'
            : result.reason === 'weak_password'
              ? 'WEAK_PASSWORD'
              : 'INVALID_REQUEST';
        throw new ApiError(code, { reason: result.reason });
      }

      services.audit.record(request, 'user_registered', {
        outcome: 'success',
        userId: result.userId,
      });
      reply.code(201).header('cache-control', 'no-store');
      return { message: 'Registered', id: result.userId };
    },
  );
}
