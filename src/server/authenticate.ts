import type { FastifyReply, FastifyRequest } from 'fastify';
import { fingerprintDigest } from '../core/tokens.js';
import { normalizeUserId } from '../core/user-ids.js';
import type { TokenRecord } from '../stores/store.js';
import { readPresentedToken } from './credentials.js';
import { invalidToken, missingToken } from './errors.js';
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

  const check = await services.tokens.check(presented.token);
  if (!check.ok) {
    services.audit.tokenRejected(request, check.reason, check.digest);
    throw invalidToken(check.reason);
  }

  // The lab's form names the user next to the token; a token of someone else is invalid.
  if (presented.kind === 'body' && presented.claimedId !== undefined) {
    const claimed = normalizeUserId(presented.claimedId);
    if (!claimed.ok || claimed.id !== check.record.userId) {
      services.audit.tokenRejected(request, 'wrong_user', check.record.digest);
      throw invalidToken('wrong_user');
    }
  }

  request.log.debug({ tokenFingerprint: fingerprintDigest(check.record.digest) }, 'token accepted');
  return { userId: check.record.userId, record: check.record, expiresAtMs: check.expiresAtMs };
}
