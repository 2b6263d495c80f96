export type { AuthClientOptions, Introspection, LoginResult, Session } from './auth-client.js';
export { AuthClient } from './auth-client.js';
export {
  AuthClientError,
  BadRequestError,
  InvalidCredentialsError,
  InvalidTokenError,
  RateLimitedError,
  ServerUnavailableError,
} from './errors.js';
