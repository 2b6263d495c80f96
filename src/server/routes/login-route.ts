import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_PASSWORD_LENGTH } from '../../core/passwords/password-policy.js';
import type { IssuedToken } from '../../core/token-service.js';
import { normalizeUserId } from '../../core/user-ids.js';
import { ApiError } from '../errors.js';
import { bodySchema, idField, passwordField } from '../schemas.js';
import type { ServerServices } from '../services.js';

interface LoginBody {
  id: string;
  password?: string;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

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
  const password = request.body.password;
  if (password === undefined || password === '') {
    throw new ApiError('INVALID_REQUEST', { reason: 'password missing' });
  }
  // Longer than any password we accept: refuse before hashing, so it costs us nothing.
  if ([...password].length > MAX_PASSWORD_LENGTH) {
    throw new ApiError('INVALID_REQUEST', { reason: 'password over the maximum length' });
  }

  const decision = await services.throttle.checkAndCount(userId, request.ip);
  if (!decision.allowed) {
    services.audit.record(request, 'login_throttled', { outcome: 'failure', userId });
    throw new ApiError('TOO_MANY_LOGIN_ATTEMPTS', {
      headers: { 'retry-after': String(decision.retryAfterSeconds), ...NO_STORE },
    });
  }

  const result = await services.accounts.verifyLogin(userId, password);
  if (!result.ok) {
    const waitMs = await services.throttle.recordFailure(userId);
    services.audit.record(request, 'login_failed', { outcome: 'failure', userId });
    if (waitMs > 0) {
      services.audit.record(request, 'lockout_started', {
        outcome: 'failure',
        userId,
        reason: `next attempt allowed in ${Math.ceil(waitMs / 1000)} s`,
      });
    }
    throw new ApiError('INVALID_CREDENTIALS', { headers: NO_STORE });
  }

  if (await services.throttle.recordSuccess(userId)) {
    services.audit.record(request, 'lockout_ended', { outcome: 'success', userId });
  }
  return services.tokens.issue(result.userId, loginContext(request));
}

function readUserId(raw: string): string {
  const normalized = normalizeUserId(raw);
  if (!normalized.ok) throw new ApiError('INVALID_REQUEST', { reason: `id ${normalized.reason}` });
  return normalized.id;
}

function loginContext(request: FastifyRequest) {
  const userAgent = request.headers['user-agent'] ?? '';
  return { clientAddress: request.ip, userAgent: userAgent.slice(0, 256) };
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
