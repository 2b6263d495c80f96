import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { digestToken, isWellFormedToken } from '../../core/tokens.js';
import { refuseBlockedGuesser } from '../authenticate.js';
import { clientAddress } from '../client-address.js';
import { countAuthorizationHeaders } from '../credentials.js';
import { ApiError, REALM } from '../errors.js';
import { bodySchema, MAX_TEXT_LENGTH, stringField } from '../schemas.js';
import type { ServerServices } from '../services.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API client that authenticated with HTTP Basic, on /introspect and /revoke. */
    apiClient: string | null;
  }
}

/**
 * `token` may be anything up to the body limit: RFC 7662 wants `{"active":false}` for any
 * token we did not issue, not a 400. `token_type_hint` is accepted and ignored: tokenauth has
 * one kind of token only.
 */
const tokenRequestBody = bodySchema(
  { token: stringField(MAX_TEXT_LENGTH, 1), token_type_hint: stringField(64) },
  ['token'],
);

interface TokenRequest {
  Body: { token: string; token_type_hint?: string };
}

const INACTIVE = Object.freeze({ active: false });

/**
 * RFC 7662 introspection and RFC 7009 revocation, for resource servers that hold API client
 * credentials (`tokenauth clients add NAME`). Client authentication happens in onRequest,
 * before the body is read, so an unauthenticated caller learns nothing about its body.
 *
 * Introspection counts as a use of the token and slides its idle window, as `/verify` does: a
 * resource server introspects a token because the user just presented it there.
 */
export function registerIntrospectionRoutes(app: FastifyInstance, services: ServerServices) {
  app.decorateRequest('apiClient', null);
  const options = {
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store');
      request.apiClient = await authenticateClient(services, request);
    },
    schema: { body: tokenRequestBody },
  };

  app.post<TokenRequest>('/introspect', options, async (request) => {
    refuseBlockedGuesser(services, request);
    const check = await services.tokens.check(request.body.token);
    if (!check.ok) {
      await services.guesses.recordFailure(clientAddress(request));
      return INACTIVE;
    }

    const userId = check.record.userId;
    return {
      active: true,
      sub: userId,
      username: userId,
      token_type: 'Bearer',
      iat: Math.floor(check.record.createdAtMs / 1000),
      exp: Math.floor(check.expiresAtMs / 1000),
      client_id: request.apiClient,
    };
  });

  // RFC 7009 §2.2: the answer is 200 whether the token was live, dead or never ours.
  app.post<TokenRequest>('/revoke', options, async (request, reply) => {
    const token = request.body.token;
    const digest = isWellFormedToken(token) ? digestToken(token) : undefined;
    const record = digest === undefined ? null : await services.store.findToken(digest);
    const revoked = record !== null && (await services.tokens.revokeDigest(record.digest));

    services.audit.record(request, 'token_revoked', {
      outcome: 'success',
      userId: record?.userId,
      digest: record?.digest,
      reason: `by API client ${request.apiClient}${revoked ? '' : '; already gone'}`,
    });
    return reply.code(200).send();
  });
}

/** RFC 6749 §2.3.1: HTTP Basic, with the client id and secret form-urlencoded inside. */
async function authenticateClient(
  services: ServerServices,
  request: FastifyRequest,
): Promise<string> {
  const credentials = readBasicCredentials(request);
  if ('failure' in credentials) throw invalidClient(services, request, credentials.failure);

  if (!(await services.apiClients.verify(credentials.name, credentials.secret))) {
    throw invalidClient(services, request, 'unknown client or wrong secret');
  }
  return credentials.name;
}

const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;

function readBasicCredentials(
  request: FastifyRequest,
): { name: string; secret: string } | { failure: string } {
  if (countAuthorizationHeaders(request) > 1) {
    return { failure: 'more than one Authorization header' };
  }

  const header = request.headers.authorization;
  if (header === undefined) return { failure: 'no client credentials' };
  const encoded = BASIC.exec(header)?.[1];
  if (encoded === undefined) return { failure: 'not HTTP Basic credentials' };

  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { failure: 'malformed Basic credentials' };
  const name = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (name === undefined || secret === undefined) {
    return { failure: 'malformed Basic credentials' };
  }
  return { name, secret };
}

function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** Every client authentication failure looks the same from outside; the reason is logged. */
function invalidClient(services: ServerServices, request: FastifyRequest, reason: string) {
  services.audit.record(request, 'client_auth_failed', { outcome: 'failure', reason });
  return new ApiError('INVALID_CLIENT', {
    headers: { 'www-authenticate': `Basic realm="${REALM}"` },
    reason,
  });
}
