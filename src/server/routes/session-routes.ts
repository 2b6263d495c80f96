import type { FastifyInstance, FastifyRequest } from 'fastify';
import { digestToken, isWellFormedToken } from '../../core/tokens.js';
import type { TokenRecord } from '../../stores/store.js';
import { type Authenticated, requireToken } from '../authenticate.js';
import { readPresentedToken } from '../credentials.js';
import { ApiError, missingToken } from '../errors.js';
import {
  bodySchema,
  idField,
  stringField,
  tokenField,
  treatMissingBodyAsEmpty,
} from '../schemas.js';
import type { ServerServices } from '../services.js';

const credentialsBody = bodySchema({ id: idField, token: tokenField }, []);

export function registerSessionRoutes(app: FastifyInstance, services: ServerServices): void {
  // Idempotent: a token that is already gone (or never existed) logs out successfully.
  // Credentials are read before the body is validated, as on every protected route, so that a
  // doubled token field gets the same invalid_request challenge there as here.
  app.post(
    '/logout',
    {
      preValidation: [treatMissingBodyAsEmpty, rejectAmbiguousCredentials],
      schema: { body: credentialsBody },
    },
    async (request) => {
      const presented = readPresentedToken(request);
      if (presented.kind === 'none') throw missingToken();

      const revoked = isWellFormedToken(presented.token)
        ? await services.tokens.revokeDigest(digestToken(presented.token))
        : false;
      services.audit.record(request, 'logout', {
        outcome: 'success',
        reason: revoked ? undefined : 'already gone',
      });
      return { message: 'Logged out' };
    },
  );

  app.post(
    '/logout/all',
    {
      preValidation: [requireToken(services), treatMissingBodyAsEmpty],
      schema: { body: credentialsBody },
    },
    async (request) => {
      const userId = authOf(request).userId;
      const count = await services.tokens.revokeAllOf(userId);
      services.audit.record(request, 'logout_all', { outcome: 'success', userId, count });
      return { message: 'Logged out everywhere', revoked: count };
    },
  );

  app.get('/me', { preValidation: requireToken(services) }, async (request) => {
    const auth = authOf(request);
    return {
      id: auth.userId,
      session_id: auth.record.sessionId,
      expires_at: new Date(auth.expiresAtMs).toISOString(),
      expires_in: Math.max(0, Math.floor((auth.expiresAtMs - services.clock.nowMs()) / 1000)),
    };
  });

  app.get('/sessions', { preValidation: requireToken(services) }, async (request) => {
    const auth = authOf(request);
    const sessions = await services.tokens.listSessions(auth.userId);
    return {
      sessions: sessions.map((record) => describeSession(services, record, auth.record)),
    };
  });

  app.delete<{ Params: { id: string } }>(
    '/sessions/:id',
    {
      preValidation: requireToken(services),
      schema: { params: bodySchema({ id: stringField(64, 1) }, ['id']) },
    },
    async (request) => {
      const userId = authOf(request).userId;
      const revoked = await services.tokens.revokeSession(userId, request.params.id);
      if (!revoked) throw new ApiError('NOT_FOUND', { reason: 'no such session of this user' });
      services.audit.record(request, 'session_revoked', { outcome: 'success', userId });
      return { message: 'Session revoked' };
    },
  );
}

async function rejectAmbiguousCredentials(request: FastifyRequest): Promise<void> {
  readPresentedToken(request);
}

function authOf(request: { auth: Authenticated | null }): Authenticated {
  if (!request.auth) throw new ApiError('INTERNAL_ERROR', { reason: 'route ran unauthenticated' });
  return request.auth;
}

/** A session as its owner sees it: never the token or its digest. */
function describeSession(services: ServerServices, record: TokenRecord, current: TokenRecord) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: record.sessionId,
    current: record.sessionId === current.sessionId,
    created_at: iso(record.createdAtMs),
    last_used_at: iso(record.lastUsedAtMs),
    expires_at: iso(services.tokens.effectiveExpiryMs(record)),
    client_address: record.clientAddress,
    user_agent: record.userAgent,
  };
}
