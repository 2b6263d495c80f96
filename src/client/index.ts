export type {
  ApiClientCredentials,
  AuthClientOptions,
  Identity,
  Introspection,
  LoginResult,
  Session,
} from './auth-client.js';
export { AuthClient } from './auth-client.js';
export {
  AuthClientError,
  BadRequestError,
  InvalidClientError,
  InvalidCredentialsError,
  InvalidTokenError,
  RateLimitedError,
  ServerUnavailableError,
} from './errors.js';
