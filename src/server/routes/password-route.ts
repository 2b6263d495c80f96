import type { FastifyInstance } from 'fastify';
import { type Authenticated, requireToken } from '../authenticate.js';
import { ApiError } from '../errors.js';
import { checkPasswordAttempt, NO_STORE } from '../password-check.js';
import { bodySchema, idField, passwordField, tokenField } from '../schemas.js';
import type { ServerServices } from '../services.js';

interface PasswordChangeBody {
  password: string;
  new_password: string;
}

/**
 * `POST /password`: a logged-in user changes their own password, proving the current one
 * (a stolen token alone must not be enough). Every token of the user is revoked, the one
 * used here included, so every device has to log in again with the new password. Exists in
 * password mode only.
 */
export function registerPasswordRoute(app: FastifyInstance, services: ServerServices): void {
  if (services.config.login !== 'password') return;

  const fields = {
    id: idField,
    token: tokenField,
    password: passwordField,
    new_password: passwordField,
  };
  app.post<{ Body: PasswordChangeBody }>(
    '/password',
    {
      preValidation: requireToken(services),
      schema: { body: bodySchema(fields, ['password', 'new_password']) },
    },
    async (request, reply) => {
      const { userId } = request.auth as Authenticated;
      await checkPasswordAttempt(services, request, userId, request.body.password);

      const result = await services.accounts.changePassword(userId, request.body.new_password);
      if (!result.ok) {
        const code = result.reason === 'weak_password' ? 'WEAK_PASSWORD' : 'INVALID_REQUEST';
        throw new ApiError(code, { reason: result.reason });
      }

      services.audit.record(request, 'password_changed', {
        outcome: 'success',
        userId,
        count: result.revokedTokens,
      });
      reply.headers(NO_STORE);
      return { message: 'Password changed', revoked: result.revokedTokens };
    },
  );
}
