/**
 * Key names of the Redis store. Every variable part is a token digest (already base64url) or an
 * id turned into hex, so no user input can smuggle a separator, a glob character or another
 * key's name into a key. The Lua scripts build the same names (see `redis-scripts.ts`); a test
 * checks that both agree.
 */

/** Hex of the UTF-8 bytes: trivial to reproduce in Lua, where token scripts need it. */
export function encodeId(id: string): string {
  return Buffer.from(id, 'utf8').toString('hex');
}

export class RedisKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  user(id: string): string {
    return `${this.prefix}user:${encodeId(id)}`;
  }

  /** Set of every user id, for `listUsers`. */
  users(): string {
    return `${this.prefix}users`;
  }

  token(digest: string): string {
    return `${this.prefix}token:${digest}`;
  }

  /** Sorted set of one user's token digests, scored by creation time. */
  userTokens(userId: string): string {
    return `${this.prefix}user-tokens:${encodeId(userId)}`;
  }

  /** Sorted set of every token digest, scored by the earlier of its two deadlines. */
  tokenDeadlines(): string {
    return `${this.prefix}token-deadlines`;
  }

  counter(key: string): string {
    return `${this.prefix}counter:${encodeId(key)}`;
  }

  loginFailures(key: string): string {
    return `${this.prefix}login-failures:${encodeId(key)}`;
  }

  client(name: string): string {
    return `${this.prefix}client:${encodeId(name)}`;
  }

  /** Set of every client name, for `listClients`. */
  clients(): string {
    return `${this.prefix}clients`;
  }
}
