import {
  type AuthClientError,
  BadRequestError,
  InvalidClientError,
  InvalidCredentialsError,
  InvalidTokenError,
  RateLimitedError,
  ServerUnavailableError,
} from './errors.js';

export interface AuthClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:5000`. */
  readonly baseUrl: string;
  /** A token from an earlier login, to reuse. */
  readonly token?: string;
  /** Per-request timeout; a hung server becomes a ServerUnavailableError. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface LoginResult {
  readonly token: string;
  readonly expiresInSeconds: number;
}

export interface Session {
  readonly id: string;
  readonly current: boolean;
  readonly created_at: string;
  readonly last_used_at: string;
  readonly expires_at: string;
  readonly client_address: string;
  readonly user_agent: string;
}

/** Who the current token belongs to, from `GET /me`. */
export interface Identity {
  readonly id: string;
  /** The public id of this token's session, as in `sessions()`. */
  readonly session_id: string;
  /** When the token stops working if it is not used again (ISO 8601). */
  readonly expires_at: string;
  readonly expires_in: number;
}

/** An API client's id and secret, as `tokenauth clients add` printed them. */
export interface ApiClientCredentials {
  readonly id: string;
  readonly secret: string;
}

export interface Introspection {
  readonly active: boolean;
  readonly sub?: string;
  readonly username?: string;
  readonly token_type?: string;
  readonly iat?: number;
  readonly exp?: number;
  readonly client_id?: string;
}

/**
 * A small client for a tokenauth server, on the platform's `fetch`. It keeps the token of its
 * last login and sends it as a Bearer header. It never retries or queues: a failure is reported
 * at once, typed, so the caller decides.
 */
export class AuthClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #token: string | undefined;

  constructor(options: AuthClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
    this.#token = options.token;
  }

  get token(): string | undefined {
    return this.#token;
  }

  /** Logs in; `password` is omitted only against a server in open (lab) mode. */
  async login(id: string, password?: string): Promise<LoginResult> {
    const body: Record<string, string> = { id };
    if (password !== undefined) body.password = password;
    const response = await this.#send('POST', '/login', {
      body,
      auth: false,
      unauthorized: 'credentials',
    });
    const payload = (await response.json()) as { token: string; expires_in: number };
    this.#token = payload.token;
    return { token: payload.token, expiresInSeconds: payload.expires_in };
  }

  async echo(text: string): Promise<string> {
    const response = await this.#send('POST', '/echo', { body: { text } });
    return response.text();
  }

  async me(): Promise<Identity> {
    return (await this.#send('GET', '/me')).json() as Promise<Identity>;
  }

  async sessions(): Promise<Session[]> {
    const payload = (await (await this.#send('GET', '/sessions')).json()) as {
      sessions: Session[];
    };
    return payload.sessions;
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.#send('DELETE', `/sessions/${encodeURIComponent(sessionId)}`);
  }

  /**
   * Changes the logged-in user's password. The server revokes every token of the user, this
   * one included: log in again with the new password afterwards. Resolves how many tokens
   * were revoked.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<number> {
    const response = await this.#send('POST', '/password', {
      body: { password: currentPassword, new_password: newPassword },
    });
    this.#token = undefined;
    return ((await response.json()) as { revoked: number }).revoked;
  }

  /**
   * Revokes this client's token. Idempotent: a token the server no longer knows, or no token
   * at all, is already logged out.
   */
  async logout(): Promise<void> {
    if (this.#token === undefined) return;
    await this.#send('POST', '/logout');
    this.#token = undefined;
  }

  /** Revokes every token of the logged-in user; resolves how many. */
  async logoutAll(): Promise<number> {
    const payload = (await (await this.#send('POST', '/logout/all')).json()) as {
      revoked: number;
    };
    this.#token = undefined;
    return payload.revoked;
  }

  /** RFC 7662 introspection, for resource servers holding API client credentials. */
  async introspect(token: string, client: ApiClientCredentials): Promise<Introspection> {
    const response = await this.#send('POST', '/introspect', {
      body: { token },
      auth: false,
      headers: { authorization: basicAuthorization(client) },
      unauthorized: 'client',
    });
    return response.json() as Promise<Introspection>;
  }

  /** RFC 7009 revocation by an API client: succeeds for live, dead and unknown tokens alike. */
  async revoke(token: string, client: ApiClientCredentials): Promise<void> {
    await this.#send('POST', '/revoke', {
      body: { token },
      auth: false,
      headers: { authorization: basicAuthorization(client) },
      unauthorized: 'client',
    });
  }

  /** Any request, authenticated with the current token; errors are typed as above. */
  async request(method: string, path: string, body?: Record<string, string>): Promise<Response> {
    return this.#send(method, path, body === undefined ? {} : { body });
  }

  async #send(
    method: string,
    path: string,
    options: {
      body?: Record<string, string>;
      auth?: boolean;
      headers?: Record<string, string>;
      /** What a 401 means for this call: a bad token (the default), password or API client. */
      unauthorized?: 'token' | 'credentials' | 'client';
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false && this.#token !== undefined) {
      headers.authorization = `Bearer ${this.#token}`;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new ServerUnavailableError(`could not reach ${this.#baseUrl}`, 0, { cause: error });
    }
    if (!response.ok) throw await toClientError(response, options.unauthorized ?? 'token');
    return response;
  }
}

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they go into Basic. */
function basicAuthorization(client: ApiClientCredentials): string {
  const pair = `${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

async function toClientError(
  response: Response,
  unauthorized: 'token' | 'credentials' | 'client',
): Promise<AuthClientError> {
  const message = await readErrorMessage(response);
  const status = response.status;
  if (status === 401) {
    // A 401 from /login is about the id and password; from anywhere else, about the token.
    if (unauthorized === 'credentials') return new InvalidCredentialsError(message, status);
    if (unauthorized === 'client') return new InvalidClientError(message, status);
    // A refused token comes with a Bearer challenge (RFC 6750); a refused password without.
    const challenge = response.headers.get('www-authenticate') ?? '';
    if (!/^bearer/i.test(challenge)) return new InvalidCredentialsError(message, status);
    return new InvalidTokenError(message, status);
  }
  if (status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return new RateLimitedError(message, status, Number.isFinite(retryAfter) ? retryAfter : null);
  }
  if (status >= 500) return new ServerUnavailableError(message, status);
  return new BadRequestError(message, status);
}

async function readErrorMessage(response: Response): Promise<string> {
  try {
    const payload = (await response.json()) as { error?: unknown };
    if (typeof payload.error === 'string') return payload.error;
  } catch {
    // Not our JSON error shape; fall through to the status text.
  }
  return `HTTP ${response.status}`;
}
