import type { ClientRecord, TokenRecord, UserRecord } from '../../../src/stores/store.js';

/**
 * The fixed instant most conformance tests count from; counters and failures use real time.
 * It lies in the future because Redis drops a token key at its absolute expiry in real time:
 * tokens made for a past instant would vanish as soon as they were stored.
 */
export const BASE_MS = Date.UTC(2100, 0, 1);
export const HOUR_MS = 3_600_000;

/**
 * Identifiers that trip up stores which build keys, patterns or queries from strings: SQL
 * LIKE wildcards, glob characters, Redis key separators and hash tags, quotes, Unicode in
 * both normalization forms, case variants and surrounding spaces.
 */
export const AWKWARD_IDS: readonly string[] = [
  'Zoë',
  'Zoe\u0308',
  '名前',
  '🦊 fox',
  "O'Brien",
  'say "hi"',
  '100%',
  '%',
  '_',
  'a*b',
  '*',
  '?',
  '[ab]',
  'user:1',
  'tokens:user:1',
  '{tag}',
  'with space',
  ' leading',
  'trailing ',
  'Alice',
  'alice',
  'back\\slash',
  'semi;colon--',
];

export function makeUser(id: string, overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    disabled: false,
    createdAtMs: BASE_MS,
    ...overrides,
  };
}

let tokenSequence = 0;

/**
 * A token of `userId` created `createdOffsetMs` after BASE_MS, live for an hour. Digests and
 * session ids are unique within the process so tests never collide by accident.
 */
export function makeToken(
  userId: string,
  createdOffsetMs = 0,
  overrides: Partial<TokenRecord> = {},
): TokenRecord {
  tokenSequence += 1;
  const createdAtMs = BASE_MS + createdOffsetMs;
  return {
    digest: `digest-${tokenSequence}-${createdOffsetMs}`,
    sessionId: `session-${tokenSequence}`,
    userId,
    createdAtMs,
    lastUsedAtMs: createdAtMs,
    expiresAtMs: createdAtMs + HOUR_MS,
    idleExpiresAtMs: createdAtMs + HOUR_MS / 2,
    clientAddress: '203.0.113.7',
    userAgent: 'tokenauth-test/1.0 (conformance)',
    ...overrides,
  };
}

export function makeClient(name: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    name,
    secretDigests: [`secret-a-${name}`, `secret-b-${name}`],
    createdAtMs: BASE_MS,
    ...overrides,
  };
}

/** Sorted copies, for comparing listings whose order the contract leaves open. */
export function byId<T extends { readonly id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => compareStrings(a.id, b.id));
}

export function byName<T extends { readonly name: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => compareStrings(a.name, b.name));
}

export function digestsOf(tokens: readonly TokenRecord[]): string[] {
  return tokens.map((token) => token.digest);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
