/**
 * Typed failures of the client, so callers can tell "log in again" (InvalidTokenError,
 * InvalidCredentialsError) from "try later" (ServerUnavailableError, RateLimitedError) from
 * "fix the call" (BadRequestError). Messages never contain a token or a password.
 */
export class AuthClientError extends Error {
  override readonly name: string = 'AuthClientError';
  /** The HTTP status, or 0 when the server could not be reached. */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** The token is missing, unknown, expired or revoked: the user must log in again. */
export class InvalidTokenError extends AuthClientError {
  override readonly name = 'InvalidTokenError';
}

export class InvalidCredentialsError extends AuthClientError {
  override readonly name = 'InvalidCredentialsError';
}

/** The API client's id or secret was refused (introspection and revocation). */
export class InvalidClientError extends AuthClientError {
  override readonly name = 'InvalidClientError';
}

export class BadRequestError extends AuthClientError {
  override readonly name = 'BadRequestError';
}

export class RateLimitedError extends AuthClientError {
  override readonly name = 'RateLimitedError';
  readonly retryAfterSeconds: number | null;

  constructor(message: string, status: number, retryAfterSeconds: number | null) {
    super(message, status);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The server is down, unreachable, overloaded or its store is out: not the caller's fault. */
export class ServerUnavailableError extends AuthClientError {
  override readonly name = 'ServerUnavailableError';
}
