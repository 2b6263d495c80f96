import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { RandomPool } from './random-pool.js';

/**
 * Token format: `tokenauth_` + 43 base64url characters (256 random bits) + 6 base64url
 * characters of CRC-32 over the random part. The prefix lets secret scanners find leaked
 * tokens; the checksum lets us reject typos and guesses without a store round trip.
 * It is not a MAC: anyone can compute it, so it only filters noise.
 */
export const TOKEN_PREFIX = 'tokenauth_';
const RANDOM_BYTES = 32;
const RANDOM_CHARS = 43;
const CHECKSUM_CHARS = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + RANDOM_CHARS + CHECKSUM_CHARS;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const random = new RandomPool();

function checksumOf(randomPart: string): string {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(randomPart));
  return sum.toString('base64url');
}

/** A fresh token from the CSPRNG. */
export function mintToken(): string {
  const randomPart = random.take(RANDOM_BYTES);
  return `${TOKEN_PREFIX}${randomPart}${checksumOf(randomPart)}`;
}

/** True when `token` has our shape and a matching checksum. Cheap; touches no store. */
export function isWellFormedToken(token: string): boolean {
  if (token.length !== TOKEN_LENGTH || !token.startsWith(TOKEN_PREFIX)) return false;

  const body = token.slice(TOKEN_PREFIX.length);
  if (!BASE64URL.test(body)) return false;

  const randomPart = body.slice(0, RANDOM_CHARS);
  return body.slice(RANDOM_CHARS) === checksumOf(randomPart);
}

/** The SHA-256 digest (base64url) under which a token is stored and looked up. */
export function digestToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** A short, non-reversible label of a digest, safe for logs. */
export function fingerprintDigest(digest: string): string {
  return hash('sha256', digest, 'base64url').slice(0, 10);
}

/** A random public session id: names a token in listings without revealing it. */
export function mintSessionId(): string {
  return random.take(12);
}
