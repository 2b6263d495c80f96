import type { FastifyReply, FastifyRequest } from 'fastify';
import { fingerprintDigest } from '../core/tokens.js';
import { normalizeUserId } from '../core/user-ids.js';
import type { TokenRecord } from '../stores/store.js';
import { clientAddress } from './client-address.js';
import { readPresentedToken } from './credentials.js';
import { ApiError, invalidToken, missingToken } from './errors.js';
import type { ServerServices } from './services.js';

export interface Authenticated {
  readonly userId: string;
  readonly record: TokenRecord;
  readonly expiresAtMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
}

export interface AuthenticateOptions {
  /**
   * How to refuse an address that guesses too many tokens: 429 by default; forward-auth asks
   * for a 401, since nginx turns any status but 200, 401, 403 and 5xx into a 500.
   */
  readonly throttledAs?: 'too_many_requests' | 'invalid_token';
}

/**
 * A preValidation hook: it runs after the body is parsed but before it is validated, so that
 * authentication is decided before any other field is looked at.
 */
export function requireToken(services: ServerServices) {
  return async function authenticateRequest(request: FastifyRequest, _reply: FastifyReply) {
    request.auth = await authenticateToken(services, request);
  };
}

export async function authenticateToken(
  services: ServerServices,
  request: FastifyRequest,
  options: AuthenticateOptions = {},
): Promise<Authenticated> {
  const presented = readPresentedToken(request);
  if (presented.kind === 'none') {
    services.audit.tokenRejected(request, 'missing');
    throw missingToken();
  }

  refuseBlockedGuesser(services, request, options.throttledAs ?? 'too_many_requests');
  const check = await services.tokens.check(presented.token);
  if (!check.ok) {
    services.audit.tokenRejected(request, check.reason, check.digest);
    await services.guesses.recordFailure(clientAddress(request));
    throw invalidToken(check.reason);
  }

  // The lab's form names the user next to the token; a token of someone else is invalid.
  if (presented.kind === 'body' && presented.claimedId !== undefined) {
    const claimed = normalizeUserId(presented.claimedId);
    if (!claimed.ok || claimed.id !== check.record.userId) {
      services.audit.tokenRejected(request, 'wrong_user', check.record.digest);
      await services.guesses.recordFailure(clientAddress(request));
      throw invalidToken('wrong_user');
    }
  }

  if (services.logger.isLevelEnabled('debug')) {
    const tokenFingerprint = fingerprintDigest(check.record.digest);
    request.log.debug({ reqId: request.id, tokenFingerprint }, 'token accepted');
  }
  return { userId: check.record.userId, record: check.record, expiresAtMs: check.expiresAtMs };
}

/** Decided before any lookup, so a blocked guesser costs no store round trip. */
export function refuseBlockedGuesser(
  services: ServerServices,
  request: FastifyRequest,
  throttledAs: 'too_many_requests' | 'invalid_token' = 'too_many_requests',
): void {
  const retryAfterSeconds = services.guesses.retryAfterSeconds(clientAddress(request));
  if (retryAfterSeconds === 0) return;

  services.audit.record(request, 'guessing_throttled', { outcome: 'failure' });
  if (throttledAs === 'invalid_token') throw invalidToken('guessing throttled');
  throw new ApiError('TOO_MANY_REQUESTS', {
    headers: { 'retry-after': String(retryAfterSeconds) },
    reason: 'guessing throttled',
  });
}
