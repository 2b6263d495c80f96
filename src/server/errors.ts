/**
 * The one catalogue of errors tokenauth answers with. Each code has a fixed status and a fixed
 * public message; the body is always `{"error": message}` (the lab's shape). What went wrong in
 * detail goes to the log, never into a response. docs/errors.md lists the same table, and a
 * test fails when the two differ.
 */
export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { status: 400, message: 'Invalid request' },
  MALFORMED_JSON: { status: 400, message: 'Malformed JSON body' },
  WEAK_PASSWORD: { status: 400, message: 'Password does not meet the password policy' },
  MISSING_TOKEN: { status: 401, message: 'Missing token' },
  INVALID_TOKEN: { status: 401, message: 'Invalid token' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid credentials' },
  INVALID_CLIENT: { status: 401, message: 'Invalid client credentials' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  REQUEST_TIMEOUT: { status: 408, message: 'Request timeout' },
  ID_TAKEN: { status: 409, message: 'Id already registered' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request headers too large' },
  TOO_MANY_LOGIN_ATTEMPTS: { status: 429, message: 'Too many login attempts' },
  TOO_MANY_REQUESTS: { status: 429, message: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ApiErrorOptions {
  /** Extra response headers (a challenge, `Retry-After`, `Allow`). */
  headers?: Readonly<Record<string, string>>;
  /** Why, for the log only. Must not contain a token, password or secret. */
  reason?: string | undefined;
  cause?: unknown;
}

/** An error that maps to one catalogue entry. Thrown by routes, answered by the error handler. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: string | undefined;

  constructor(code: ErrorCode, options: ApiErrorOptions = {}) {
    // A refusal of the client's request (4xx) is an answer, not a fault: its stack trace would
    // never be read, and capturing one was the costliest step of refusing a guessed token.
    const stackTraceLimit = Error.stackTraceLimit;
    if (ERROR_CATALOGUE[code].status < 500) Error.stackTraceLimit = 0;
    super(ERROR_CATALOGUE[code].message, { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.statusCode = ERROR_CATALOGUE[code].status;
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }
}

export const REALM = 'tokenauth';

/** RFC 6750 §3 challenges. No error attribute when the request carried no credentials. */
export const CHALLENGE = {
  none: `Bearer realm="${REALM}"`,
  invalidToken: `Bearer realm="${REALM}", error="invalid_token"`,
  invalidRequest: `Bearer realm="${REALM}", error="invalid_request"`,
} as const;

export function missingToken(): ApiError {
  return new ApiError('MISSING_TOKEN', { headers: { 'www-authenticate': CHALLENGE.none } });
}

export function invalidToken(reason: string): ApiError {
  return new ApiError('INVALID_TOKEN', {
    headers: { 'www-authenticate': CHALLENGE.invalidToken },
    reason,
  });
}

export function invalidAuthRequest(reason: string): ApiError {
  return new ApiError('INVALID_REQUEST', {
    headers: { 'www-authenticate': CHALLENGE.invalidRequest },
    reason,
  });
}

export function serviceUnavailable(reason: string, cause?: unknown): ApiError {
  return new ApiError('SERVICE_UNAVAILABLE', { headers: { 'retry-after': '1' }, reason, cause });
}
