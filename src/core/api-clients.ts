import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientRecord, Store } from '../stores/store.js';
import type { Clock } from './clock.js';

/**
 * Client secrets: `tokenauth_secret_` + 43 base64url characters (256 random bits). The prefix
 * lets secret scanners tell a leaked API client secret from a user token (`tokenauth_` + 49).
 */
export const CLIENT_SECRET_PREFIX = 'tokenauth_secret_';
const SECRET_BYTES = 32;

/** A client keeps at most this many live secrets: the current one and the one it replaced. */
export const MAX_LIVE_SECRETS = 2;

/** 1 to 64 of `A-Z a-z 0-9 . _ -`: safe in Basic credentials, logs and shell commands alike. */
const CLIENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function isValidClientName(name: string): boolean {
  return CLIENT_NAME.test(name);
}

export type ClientFailureReason = 'invalid_name' | 'name_taken' | 'unknown_client';

export interface ClientFailure {
  readonly ok: false;
  readonly reason: ClientFailureReason;
}

/** A new secret, handed out once: the store keeps only its digest. */
export type SecretResult =
  | { readonly ok: true; readonly name: string; readonly secret: string }
  | ClientFailure;

/** What listings show of a client: never a secret or a digest. */
export interface ClientSummary {
  readonly name: string;
  readonly liveSecrets: number;
  readonly createdAtMs: number;
}

/**
 * The API clients (resource servers) allowed to call `POST /introspect` and `POST /revoke`.
 *
 * Secrets are 256 random bits, so a fast hash is the right way to keep them: SHA-256 cannot be
 * reversed, and no guessing attack can search a space that large, which is what a slow password
 * hash would defend against. The store keeps only the digests.
 *
 * Refusals are values; store failures (StoreUnavailableError) are thrown.
 */
export class ApiClients {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(options: { store: Store; clock: Clock }) {
    this.#store = options.store;
    this.#clock = options.clock;
  }

  /**
   * Adds a client with one fresh secret.
   *
   * Not atomic: the store's saveClient replaces, so two administrators adding the same name at
   * the same instant could both succeed and only the later secret would work. The command line
   * is the only caller, run by hand, so the window is accepted.
   */
  async addClient(name: string): Promise<SecretResult> {
    if (!isValidClientName(name)) return INVALID_NAME;
    if (await this.#store.findClient(name)) return NAME_TAKEN;

    const secret = mintClientSecret();
    const client: ClientRecord = {
      name,
      secretDigests: [digestSecret(secret)],
      createdAtMs: this.#clock.nowMs(),
    };
    await this.#store.saveClient(client);
    return { ok: true, name, secret };
  }

  /**
   * Issues a new secret. By default the previous one stays live so that resource servers can
   * switch over without downtime; the oldest beyond {@link MAX_LIVE_SECRETS} is dropped. With
   * `keepPrevious: false` only the new secret works afterwards (for a secret that leaked).
   *
   * Not atomic (read, then replace): two rotations at once could lose one of the new secrets.
   */
  async rotateSecret(
    name: string,
    options: { keepPrevious?: boolean } = {},
  ): Promise<SecretResult> {
    if (!isValidClientName(name)) return INVALID_NAME;
    const client = await this.#store.findClient(name);
    if (!client) return UNKNOWN_CLIENT;

    const secret = mintClientSecret();
    const kept = options.keepPrevious === false ? [] : client.secretDigests;
    const secretDigests = [...kept, digestSecret(secret)].slice(-MAX_LIVE_SECRETS);
    await this.#store.saveClient({ ...client, secretDigests });
    return { ok: true, name, secret };
  }

  /** Deletes a client; its secrets stop working at once. */
  async removeClient(name: string): Promise<{ readonly ok: true } | ClientFailure> {
    if (!isValidClientName(name)) return INVALID_NAME;
    if (!(await this.#store.deleteClient(name))) return UNKNOWN_CLIENT;
    return { ok: true };
  }

  async listClients(): Promise<ClientSummary[]> {
    const clients = await this.#store.listClients();
    return clients.map((client) => ({
      name: client.name,
      liveSecrets: client.secretDigests.length,
      createdAtMs: client.createdAtMs,
    }));
  }

  /**
   * True when `secret` is a live secret of the client `name`. The comparison is constant-time,
   * and an unknown or malformed name costs the same hashing and comparing as a known one, so
   * the answer's timing tells nothing about the secret. (The store lookup itself may take a
   * little longer for a name that exists; names are not secret.)
   */
  async verify(name: string, secret: string): Promise<boolean> {
    const client = isValidClientName(name) ? await this.#store.findClient(name) : null;
    const presented = createHash('sha256').update(secret).digest();

    let matches = false;
    for (let slot = 0; slot < MAX_LIVE_SECRETS; slot += 1) {
      // Every slot is compared, whatever the earlier ones said.
      const stored = digestBytes(client?.secretDigests[slot]);
      if (timingSafeEqual(presented, stored.bytes) && stored.real) matches = true;
    }
    return client !== null && matches;
  }
}

/** A fresh client secret from the CSPRNG. */
export function mintClientSecret(): string {
  return `${CLIENT_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** The SHA-256 digest (base64url) under which a client secret is stored. */
export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** A stored digest as 32 bytes; an empty or damaged slot becomes a dummy that never matches. */
function digestBytes(digest: string | undefined): { bytes: Buffer; real: boolean } {
  const bytes = digest === undefined ? DUMMY_DIGEST : Buffer.from(digest, 'base64url');
  if (bytes.length !== DUMMY_DIGEST.length) return { bytes: DUMMY_DIGEST, real: false };
  return { bytes, real: digest !== undefined };
}

const DUMMY_DIGEST = randomBytes(32);

const INVALID_NAME: ClientFailure = Object.freeze({ ok: false, reason: 'invalid_name' });
const NAME_TAKEN: ClientFailure = Object.freeze({ ok: false, reason: 'name_taken' });
const UNKNOWN_CLIENT: ClientFailure = Object.freeze({ ok: false, reason: 'unknown_client' });
