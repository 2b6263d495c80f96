import type { ClientRecord, TokenRecord, UserRecord } from '../store.js';

/** Rows exactly as the schema in migrations.ts returns them. */
export interface UserRow {
  id: string;
  password_hash: string | null;
  disabled: number;
  created_at_ms: number;
}

export interface TokenRow {
  digest: string;
  session_id: string;
  user_id: string;
  created_at_ms: number;
  last_used_at_ms: number;
  expires_at_ms: number;
  idle_expires_at_ms: number;
  client_address: string;
  user_agent: string;
}

export interface ClientRow {
  name: string;
  secret_digests: string;
  created_at_ms: number;
}

export function userFromRow(row: UserRow): UserRecord {
  return {
    id: row.id,
    passwordHash: row.password_hash,
    disabled: row.disabled === 1,
    createdAtMs: row.created_at_ms,
  };
}

export function userToRow(user: UserRecord): UserRow {
  return {
    id: user.id,
    password_hash: user.passwordHash,
    disabled: user.disabled ? 1 : 0,
    created_at_ms: user.createdAtMs,
  };
}

export function tokenFromRow(row: TokenRow): TokenRecord {
  return {
    digest: row.digest,
    sessionId: row.session_id,
    userId: row.user_id,
    createdAtMs: row.created_at_ms,
    lastUsedAtMs: row.last_used_at_ms,
    expiresAtMs: row.expires_at_ms,
    idleExpiresAtMs: row.idle_expires_at_ms,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
  };
}

export function tokenToRow(token: TokenRecord): TokenRow {
  return {
    digest: token.digest,
    session_id: token.sessionId,
    user_id: token.userId,
    created_at_ms: token.createdAtMs,
    last_used_at_ms: token.lastUsedAtMs,
    expires_at_ms: token.expiresAtMs,
    idle_expires_at_ms: token.idleExpiresAtMs,
    client_address: token.clientAddress,
    user_agent: token.userAgent,
  };
}

export function clientFromRow(row: ClientRow): ClientRecord {
  return {
    name: row.name,
    secretDigests: parseDigests(row.secret_digests),
    createdAtMs: row.created_at_ms,
  };
}

export function clientToRow(client: ClientRecord): ClientRow {
  return {
    name: client.name,
    secret_digests: JSON.stringify(client.secretDigests),
    created_at_ms: client.createdAtMs,
  };
}

/** The column is written only by clientToRow, so anything else means a damaged row. */
function parseDigests(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((item): item is string => typeof item === 'string')) {
    throw new Error('a clients row holds secret digests that are not a list of strings');
  }
  return parsed;
}
