import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IssuedToken } from '../../core/token-service.js';
import { normalizeUserId } from '../../core/user-ids.js';
import { clientAddress } from '../client-address.js';
import { ApiError } from '../errors.js';
import { checkPasswordAttempt, NO_STORE } from '../password-check.js';
import { bodySchema, idField, passwordField } from '../schemas.js';
import type { ServerServices } from '../services.js';

interface LoginBody {
  id: string;
  password?: string;
}

export function registerLoginRoute(app: FastifyInstance, services: ServerServices): void {
  app.post<{ Body: LoginBody }>(
    '/login',
    { schema: { body: bodySchema({ id: idField, password: passwordField }, ['id']) } },
    async (request, reply) => {
      const userId = readUserId(request.body.id);
      const issued =
        services.config.login === 'open'
          ? await services.tokens.issue(userId, loginContext(request))
          : await passwordLogin(services, request, userId);

      services.audit.record(request, 'login_succeeded', {
        outcome: 'success',
        userId,
        digest: issued.record.digest,
      });
      return sendToken(reply, issued, services.config.tokenTtlMs);
    },
  );
}

async function passwordLogin(
  services: ServerServices,
  request: FastifyRequest<{ Body: LoginBody }>,
  userId: string,
): Promise<IssuedToken> {
  const checkedId = await checkPasswordAttempt(services, request, userId, request.body.password);
  return services.tokens.issue(checkedId, loginContext(request));
}

function readUserId(raw: string): string {
  const normalized = normalizeUserId(raw);
  if (!normalized.ok) throw new ApiError('INVALID_REQUEST', { reason: `id ${normalized.reason}` });
  return normalized.id;
}

function loginContext(request: FastifyRequest) {
  const userAgent = request.headers['user-agent'] ?? '';
  return { clientAddress: clientAddress(request), userAgent: userAgent.slice(0, 256) };
}

function sendToken(reply: FastifyReply, issued: IssuedToken, ttlMs: number) {
  reply.headers(NO_STORE);
  // The lab's client reads `message` and `token`; OAuth-style clients read the rest.
  return {
    message: 'Login successful',
    token: issued.token,
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: Math.floor(ttlMs / 1000),
  };
}
