import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GuessThrottle } from '../core/guess-throttle.js';
import { fingerprintDigest } from '../core/tokens.js';
import { normalizeUserId } from '../core/user-ids.js';
import type { TokenRecord } from '../stores/store.js';
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
  interface FastifyInstance {
    /** Decorated by buildApp: refuses addresses that present too many rejected tokens. */
    guessThrottle: GuessThrottle;
  }
}

/** Forward-auth may only answer 200, 401 or 5xx: nginx turns a 429 into a 500. */
const FORWARD_AUTH_PATH = '/verify';

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
): Promise<Authenticated> {
  const presented = readPresentedToken(request);
  if (presented.kind === 'none') {
    services.audit.tokenRejected(request, 'missing');
    throw missingToken();
  }

  // Decided before the token is looked up, so a blocked guesser costs no store round trip.
  refuseBlockedGuesser(services, request);
  const check = await services.tokens.check(presented.token);
  if (!check.ok) {
    services.audit.tokenRejected(request, check.reason, check.digest);
    await request.server.guessThrottle.recordFailure(request.ip);
    throw invalidToken(check.reason);
  }

  // The lab's form names the user next to the token; a token of someone else is invalid.
  if (presented.kind === 'body' && presented.claimedId !== undefined) {
    const claimed = normalizeUserId(presented.claimedId);
    if (!claimed.ok || claimed.id !== check.record.userId) {
      services.audit.tokenRejected(request, 'wrong_user', check.record.digest);
      await request.server.guessThrottle.recordFailure(request.ip);
      throw invalidToken('wrong_user');
    }
  }

  request.log.debug({ tokenFingerprint: fingerprintDigest(check.record.digest) }, 'token accepted');
  return { userId: check.record.userId, record: check.record, expiresAtMs: check.expiresAtMs };
}

function refuseBlockedGuesser(services: ServerServices, request: FastifyRequest): void {
  const retryAfterSeconds = request.server.guessThrottle.retryAfterSeconds(request.ip);
  if (retryAfterSeconds === 0) return;

  services.audit.record(request, 'guessing_throttled', { outcome: 'failure' });
  if (request.routeOptions.url === FORWARD_AUTH_PATH) throw invalidToken('guessing throttled');
  throw new ApiError('TOO_MANY_REQUESTS', {
    headers: { 'retry-after': String(retryAfterSeconds) },
    reason: 'guessing throttled',
  });
}
