import type { Store, UserRecord } from '../stores/store.js';
import type { Clock } from './clock.js';
import { HasherBusyError, type PasswordHasher } from './passwords/password-hasher.js';
import {
  checkPassword,
  countCodePoints,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordCheck,
} from './passwords/password-policy.js';
import { MAX_USER_ID_LENGTH, normalizeUserId, type UserIdCheck } from './user-ids.js';

export interface AccountsOptions {
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
}

export type AccountFailureReason = 'invalid_id' | 'weak_password' | 'duplicate_id' | 'unknown_id';

/** A refused change. `detail` is a message safe to show the user; it never holds a password. */
export interface AccountFailure {
  readonly ok: false;
  readonly reason: AccountFailureReason;
  readonly detail?: string;
}

export type AccountResult = { readonly ok: true; readonly userId: string } | AccountFailure;

/** The result of a change that ends the user's sessions. */
export type RevokingAccountResult =
  | { readonly ok: true; readonly userId: string; readonly revokedTokens: number }
  | AccountFailure;

export type LoginCheck =
  | { readonly ok: true; readonly userId: string }
  | { readonly ok: false; readonly reason: 'invalid_credentials' };

/** What listings show of a user: never the hash. */
export interface UserSummary {
  readonly id: string;
  readonly disabled: boolean;
  readonly hasPassword: boolean;
  readonly createdAtMs: number;
}

const INVALID_CREDENTIALS: LoginCheck = Object.freeze({ ok: false, reason: 'invalid_credentials' });

/**
 * User management for the command line and `POST /register`, and the password check behind
 * `POST /login`. Ids are normalised by {@link normalizeUserId}; new passwords must pass
 * {@link checkPassword}. Passwords are NFKC-normalised before hashing and verifying (as SP
 * 800-63B advises), so the same password typed on different keyboards matches.
 *
 * Refusals are values; store failures (StoreUnavailableError) and a full hashing queue
 * (HasherBusyError) are thrown, because they are the server's fault, not the user's.
 */
export class Accounts {
  readonly #store: Store;
  readonly #hasher: PasswordHasher;
  readonly #clock: Clock;

  constructor(options: AccountsOptions) {
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#clock = options.clock;
  }

  async addUser(rawId: string, password: string): Promise<AccountResult> {
    const checkedId = normalizeUserId(rawId);
    if (!checkedId.ok) return invalidId(checkedId);
    const checkedPassword = checkPassword(password);
    if (!checkedPassword.ok) return weakPassword(checkedPassword);
    // Looked up first only to spare a hash; createUser below is what decides.
    if (await this.#store.findUser(checkedId.id)) return DUPLICATE_ID;

    const passwordHash = await this.#hasher.hash(normalizePassword(password));
    const user: UserRecord = {
      id: checkedId.id,
      passwordHash,
      disabled: false,
      createdAtMs: this.#clock.nowMs(),
    };
    if (!(await this.#store.createUser(user))) return DUPLICATE_ID;
    return { ok: true, userId: user.id };
  }

  /** Sets a new password and revokes every token of the user. */
  async changePassword(rawId: string, password: string): Promise<RevokingAccountResult> {
    const checkedId = normalizeUserId(rawId);
    if (!checkedId.ok) return invalidId(checkedId);
    const checkedPassword = checkPassword(password);
    if (!checkedPassword.ok) return weakPassword(checkedPassword);
    if (!(await this.#store.findUser(checkedId.id))) return UNKNOWN_ID;

    const passwordHash = await this.#hasher.hash(normalizePassword(password));
    if (!(await this.#store.updateUserPassword(checkedId.id, passwordHash))) return UNKNOWN_ID;
    return this.#revoked(checkedId.id);
  }

  /** Refuses further logins and revokes every token of the user. */
  async disableUser(rawId: string): Promise<RevokingAccountResult> {
    const checkedId = normalizeUserId(rawId);
    if (!checkedId.ok) return invalidId(checkedId);
    if (!(await this.#store.updateUserDisabled(checkedId.id, true))) return UNKNOWN_ID;
    return this.#revoked(checkedId.id);
  }

  async enableUser(rawId: string): Promise<AccountResult> {
    const checkedId = normalizeUserId(rawId);
    if (!checkedId.ok) return invalidId(checkedId);
    if (!(await this.#store.updateUserDisabled(checkedId.id, false))) return UNKNOWN_ID;
    return { ok: true, userId: checkedId.id };
  }

  /** Deletes the user and every token of that user. */
  async removeUser(rawId: string): Promise<RevokingAccountResult> {
    const checkedId = normalizeUserId(rawId);
    if (!checkedId.ok) return invalidId(checkedId);

    // Counted first so the result can say how many went; deleteUser then takes any latecomer.
    const revokedTokens = await this.#store.deleteUserTokens(checkedId.id);
    if (!(await this.#store.deleteUser(checkedId.id))) return UNKNOWN_ID;
    return { ok: true, userId: checkedId.id, revokedTokens };
  }

  async listUsers(): Promise<UserSummary[]> {
    const users = await this.#store.listUsers();
    return users.map((user) => ({
      id: user.id,
      disabled: user.disabled,
      hasPassword: user.passwordHash !== null,
      createdAtMs: user.createdAtMs,
    }));
  }

  /**
   * Checks a login. Every failure looks the same and costs about the same: an unknown id,
   * an id without a password and a disabled user all spend one argon2 verification, as a
   * wrong password does. A password longer than any we accept fails without hashing; that
   * says nothing about the account. On success a hash made with older costs is upgraded.
   */
  async verifyLogin(rawId: string, password: string): Promise<LoginCheck> {
    if (password.length > MAX_PASSWORD_LENGTH * 2) return INVALID_CREDENTIALS;
    if (countCodePoints(password) > MAX_PASSWORD_LENGTH) return INVALID_CREDENTIALS;

    const checkedId = normalizeUserId(rawId);
    const user = checkedId.ok ? await this.#store.findUser(checkedId.id) : null;
    const secret = normalizePassword(password);
    if (!user || user.passwordHash === null) {
      await this.#hasher.verifyAgainstDummy(secret);
      return INVALID_CREDENTIALS;
    }

    const matches = await this.#hasher.verify(user.passwordHash, secret);
    if (!matches || user.disabled) return INVALID_CREDENTIALS;

    if (this.#hasher.needsRehash(user.passwordHash)) {
      await this.#upgradeHash(user.id, user.passwordHash, secret);
    }
    return { ok: true, userId: user.id };
  }

  /**
   * Stores a hash with our current costs. Skipped when the hasher is busy: the login has
   * already succeeded and the upgrade can wait for the next one.
   *
   * Not atomic: the store has no compare-and-set, so the hash is re-read just before the
   * write. A password change landing between that read and the write would still be
   * overwritten by the old password's upgraded hash; the window is one store round trip.
   */
  async #upgradeHash(userId: string, oldHash: string, secret: string): Promise<void> {
    let upgraded: string;
    try {
      upgraded = await this.#hasher.hash(secret);
    } catch (error) {
      if (error instanceof HasherBusyError) return;
      throw error;
    }

    const current = await this.#store.findUser(userId);
    if (current?.passwordHash !== oldHash) return;
    await this.#store.updateUserPassword(userId, upgraded);
  }

  async #revoked(userId: string): Promise<RevokingAccountResult> {
    const revokedTokens = await this.#store.deleteUserTokens(userId);
    return { ok: true, userId, revokedTokens };
  }
}

/** One canonical form for hashing, so composed and decomposed input hash the same. */
function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

const DUPLICATE_ID: AccountFailure = Object.freeze({
  ok: false,
  reason: 'duplicate_id',
  detail: 'this user id is already taken',
});

const UNKNOWN_ID: AccountFailure = Object.freeze({
  ok: false,
  reason: 'unknown_id',
  detail: 'no user has this id',
});

const ID_DETAILS: Readonly<Record<Exclude<UserIdCheck, { ok: true }>['reason'], string>> = {
  empty: 'the user id is empty',
  too_long: `the user id is longer than ${MAX_USER_ID_LENGTH} characters`,
  control_characters: 'the user id contains control characters',
  invalid_unicode: 'the user id is not valid Unicode',
};

const PASSWORD_DETAILS: Readonly<Record<Exclude<PasswordCheck, { ok: true }>['reason'], string>> = {
  too_short: `the password must have at least ${MIN_PASSWORD_LENGTH} characters`,
  too_long: `the password must have at most ${MAX_PASSWORD_LENGTH} characters`,
  common: 'the password is on a list of commonly used passwords',
};

function invalidId(check: Exclude<UserIdCheck, { ok: true }>): AccountFailure {
  return { ok: false, reason: 'invalid_id', detail: ID_DETAILS[check.reason] };
}

function weakPassword(check: Exclude<PasswordCheck, { ok: true }>): AccountFailure {
  return { ok: false, reason: 'weak_password', detail: PASSWORD_DETAILS[check.reason] };
}
