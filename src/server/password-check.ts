import type { FastifyRequest } from 'fastify';
import { MAX_PASSWORD_LENGTH } from '../core/passwords/password-policy.js';
import { clientAddress } from './client-address.js';
import { ApiError } from './errors.js';
import type { ServerServices } from './services.js';

export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * Checks a user's password the one way every route does: length first (before any hashing),
 * then the brute-force throttle, then argon2id; failures counted, lockouts audited. Resolves
 * the stored (normalised) user id; throws the 400, 401 or 429 to answer otherwise.
 */
export async function checkPasswordAttempt(
  services: ServerServices,
  request: FastifyRequest,
  userId: string,
  password: string | undefined,
): Promise<string> {
  if (password === undefined || password === '') {
    throw new ApiError('INVALID_REQUEST', { reason: 'password missing' });
  }
  // Longer than any password we accept: refuse before hashing, so it costs us nothing.
  if ([...password].length > MAX_PASSWORD_LENGTH) {
    throw new ApiError('INVALID_REQUEST', { reason: 'password over the maximum length' });
  }

  const decision = await services.throttle.checkAndCount(userId, clientAddress(request));
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
  return result.userId;
}
