import type { FastifyRequest } from 'fastify';
import { invalidAuthRequest } from './errors.js';

/** Where a request carried its token, if anywhere. */
export type PresentedToken =
  | { readonly kind: 'none' }
  | { readonly kind: 'header'; readonly token: string }
  | { readonly kind: 'body'; readonly token: string; readonly claimedId: string | undefined };

const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Finds the token a request presents, following RFC 6750: the `Authorization: Bearer` header
 * or the lab's `token` form field, never the query string, never two at once. Throws a 400
 * `invalid_request` for anything ambiguous or malformed, so a confused client is told so
 * instead of being treated as unauthenticated.
 */
export function readPresentedToken(request: FastifyRequest): PresentedToken {
  const headerToken = readAuthorizationHeader(request);
  const body = readBodyToken(request);
  if (hasQueryToken(request.query)) throw invalidAuthRequest('token sent in the query string');

  if (headerToken !== undefined && body.token !== undefined) {
    throw invalidAuthRequest('token sent both in the header and in the body');
  }
  if (headerToken !== undefined) return { kind: 'header', token: headerToken };
  if (body.token !== undefined) return { kind: 'body', token: body.token, claimedId: body.id };
  return { kind: 'none' };
}

/**
 * Node keeps only the first of repeated Authorization headers in `headers`; the raw list shows
 * them all, and two of them make a request ambiguous.
 */
export function countAuthorizationHeaders(request: FastifyRequest): number {
  let seen = 0;
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.length === 13 && raw[i]?.toLowerCase() === 'authorization') seen += 1;
  }
  return seen;
}

function readAuthorizationHeader(request: FastifyRequest): string | undefined {
  if (countAuthorizationHeaders(request) > 1) {
    throw invalidAuthRequest('more than one Authorization header');
  }

  const value = request.headers.authorization;
  if (value === undefined) return undefined;
  if (!/^bearer(\s|$)/i.test(value)) return undefined; // another scheme: no Bearer credentials

  const match = BEARER.exec(value);
  if (!match?.[1]) throw invalidAuthRequest('malformed Bearer credentials');
  return match[1];
}

function readBodyToken(request: FastifyRequest): { token?: string; id?: string } {
  const body = request.body;
  if (body === null || typeof body !== 'object') return {};

  const fields = body as Record<string, unknown>;
  const token = Object.hasOwn(fields, 'token') ? fields.token : undefined;
  const id = Object.hasOwn(fields, 'id') ? fields.id : undefined;
  if (token !== undefined && typeof token !== 'string') {
    throw invalidAuthRequest('token field is not a single string');
  }
  if (id !== undefined && typeof id !== 'string') {
    throw invalidAuthRequest('id field is not a single string');
  }
  if (token === '') throw invalidAuthRequest('empty token field');

  const result: { token?: string; id?: string } = {};
  if (token !== undefined) result.token = token;
  if (id !== undefined) result.id = id;
  return result;
}

function hasQueryToken(query: unknown): boolean {
  if (query === null || typeof query !== 'object') return false;
  return Object.hasOwn(query, 'access_token') || Object.hasOwn(query, 'token');
}
