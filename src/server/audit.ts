import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { fingerprintDigest } from '../core/tokens.js';
import { clientAddress } from './client-address.js';

export type AuditEvent =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'lockout_started'
  | 'lockout_ended'
  | 'logout'
  | 'logout_all'
  | 'session_revoked'
  | 'token_revoked'
  | 'token_rejected'
  | 'guessing_throttled'
  | 'user_registered'
  | 'password_changed'
  | 'client_auth_failed'
  | 'validation_failed'
  | 'store_failed';

export interface AuditFields {
  readonly userId?: string | undefined;
  readonly outcome: 'success' | 'failure';
  readonly reason?: string | undefined;
  /** A token digest: logged only as a short fingerprint. */
  readonly digest?: string | undefined;
  readonly count?: number | undefined;
}

/** Every event, in the order docs/operations.md lists them; a test checks the two agree. */
export const AUDIT_EVENTS: readonly AuditEvent[] = [
  'login_succeeded',
  'login_failed',
  'login_throttled',
  'lockout_started',
  'lockout_ended',
  'logout',
  'logout_all',
  'session_revoked',
  'token_revoked',
  'token_rejected',
  'guessing_throttled',
  'user_registered',
  'password_changed',
  'client_auth_failed',
  'validation_failed',
  'store_failed',
];

/**
 * One structured log record per security event. Records carry the time (UTC, from the
 * logger), request id, client address, user id and outcome, and never a token, digest,
 * password or secret: a token appears only as a fingerprint of its digest. pino writes JSON,
 * which escapes CR, LF and ESC; the logger also escapes the control characters JSON leaves
 * alone, so one event stays one line and cannot drive a terminal.
 */
export class AuditLog {
  readonly #logger: Logger;
  readonly #onEvent: (event: AuditEvent, outcome: string) => void;
  readonly #audited = new WeakSet<FastifyRequest>();

  constructor(logger: Logger, onEvent: (event: AuditEvent, outcome: string) => void) {
    this.#logger = logger;
    this.#onEvent = onEvent;
  }

  record(request: FastifyRequest | null, event: AuditEvent, fields: AuditFields): void {
    this.#onEvent(event, fields.outcome);
    if (request) this.#audited.add(request);
    const entry = {
      audit: true,
      event,
      outcome: fields.outcome,
      reason: fields.reason,
      userId: fields.userId,
      tokenFingerprint: fields.digest === undefined ? undefined : fingerprintDigest(fields.digest),
      count: fields.count,
      reqId: request?.id,
      clientAddress: request ? clientAddress(request) : undefined,
    };
    const level = event === 'store_failed' ? 'error' : 'info';
    this.#logger[level](entry, event);
  }

  /** True once an event was recorded for this request: its refusal needs no second line. */
  wasAudited(request: FastifyRequest): boolean {
    return this.#audited.has(request);
  }

  tokenRejected(request: FastifyRequest, reason: string, digest?: string): void {
    this.record(request, 'token_rejected', { outcome: 'failure', reason, digest });
  }
}
