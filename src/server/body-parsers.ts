import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/** Throws on bytes that are not UTF-8, instead of quietly turning them into U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Keys that would reach an object's prototype if a later step copied them naively. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type FormValue = string | string[];

/**
 * The two body types the contract names, decoded strictly: invalid UTF-8, malformed
 * percent-escapes and prototype keys are refused with a 400 before any route sees them. A
 * field sent twice becomes an array, which every schema then refuses.
 */
export function installBodyParsers(app: FastifyInstance): void {
  const parseJsonText = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const text = decodeUtf8(body as Buffer);
    if (text === null) {
      done(new ApiError('MALFORMED_JSON', { reason: 'JSON body is not UTF-8' }), undefined);
      return;
    }
    void parseJsonText(request, text, done);
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (_request, body, done) => {
      try {
        done(null, parseForm(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

/** Parses `a=1&b=2`; throws a 400 ApiError for anything that does not decode exactly. */
export function parseForm(body: Buffer): Record<string, FormValue> {
  const text = decodeUtf8(body);
  if (text === null) throw new ApiError('INVALID_REQUEST', { reason: 'form body is not UTF-8' });

  const fields: Record<string, FormValue> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeFormComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeFormComponent(pair.slice(equals + 1));
    if (RESERVED_KEYS.has(key)) {
      throw new ApiError('INVALID_REQUEST', { reason: 'reserved key in form body' });
    }

    const previous = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (previous === undefined) fields[key] = value;
    else fields[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return fields;
}

function decodeFormComponent(raw: string): string {
  try {
    // decodeURIComponent refuses malformed escapes and escaped bytes that are not UTF-8.
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw new ApiError('INVALID_REQUEST', { reason: 'malformed percent-escape in form body' });
  }
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
