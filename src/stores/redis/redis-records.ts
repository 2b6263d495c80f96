import type { ClientRecord, TokenRecord, UserRecord } from '../store.js';

/**
 * Conversions between store records and Redis hashes. Hashes hold strings only; numbers are
 * written in full (never in exponent form) and read back with a check, so a damaged hash fails
 * loudly instead of producing NaN deadlines that would never expire.
 */

type Hash = Readonly<Record<string, string>>;

function field(hash: Hash, name: string): string {
  const value = hash[name];
  if (value === undefined) throw new Error(`redis record is missing the field ${name}`);
  return value;
}

function numberField(hash: Hash, name: string): number {
  const value = Number(field(hash, name));
  if (!Number.isSafeInteger(value)) throw new Error(`redis record has a bad number in ${name}`);
  return value;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item: unknown) => typeof item === 'string');
}

function isEmpty(hash: Hash): boolean {
  return Object.keys(hash).length === 0;
}

export function userToHash(user: UserRecord): string[] {
  const pairs = ['id', user.id, 'disabled', user.disabled ? '1' : '0'];
  pairs.push('createdAtMs', String(user.createdAtMs));
  // A null password (open mode) is an absent field, not an empty string that could match.
  if (user.passwordHash !== null) pairs.push('passwordHash', user.passwordHash);
  return pairs;
}

export function userFromHash(hash: Hash): UserRecord | null {
  if (isEmpty(hash)) return null;
  return {
    id: field(hash, 'id'),
    passwordHash: hash.passwordHash ?? null,
    disabled: field(hash, 'disabled') === '1',
    createdAtMs: numberField(hash, 'createdAtMs'),
  };
}

export function tokenToHash(token: TokenRecord): string[] {
  return [
    'digest',
    token.digest,
    'sessionId',
    token.sessionId,
    'userId',
    token.userId,
    'createdAtMs',
    String(token.createdAtMs),
    'lastUsedAtMs',
    String(token.lastUsedAtMs),
    'expiresAtMs',
    String(token.expiresAtMs),
    'idleExpiresAtMs',
    String(token.idleExpiresAtMs),
    'clientAddress',
    token.clientAddress,
    'userAgent',
    token.userAgent,
  ];
}

export function tokenFromHash(hash: Hash): TokenRecord | null {
  if (isEmpty(hash)) return null;
  return {
    digest: field(hash, 'digest'),
    sessionId: field(hash, 'sessionId'),
    userId: field(hash, 'userId'),
    createdAtMs: numberField(hash, 'createdAtMs'),
    lastUsedAtMs: numberField(hash, 'lastUsedAtMs'),
    expiresAtMs: numberField(hash, 'expiresAtMs'),
    idleExpiresAtMs: numberField(hash, 'idleExpiresAtMs'),
    clientAddress: field(hash, 'clientAddress'),
    userAgent: field(hash, 'userAgent'),
  };
}

export function clientToHash(client: ClientRecord): string[] {
  return [
    'name',
    client.name,
    'secretDigests',
    JSON.stringify(client.secretDigests),
    'createdAtMs',
    String(client.createdAtMs),
  ];
}

export function clientFromHash(hash: Hash): ClientRecord | null {
  if (isEmpty(hash)) return null;
  const digests: unknown = JSON.parse(field(hash, 'secretDigests'));
  if (!isStringArray(digests)) throw new Error('redis client record has bad secretDigests');
  return {
    name: field(hash, 'name'),
    secretDigests: digests,
    createdAtMs: numberField(hash, 'createdAtMs'),
  };
}
