import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HasherBusyError } from '../core/passwords/password-hasher.js';
import { StoreUnavailableError } from '../stores/store.js';
import { ApiError, type ErrorCode, serviceUnavailable } from './errors.js';
import type { ServerServices } from './services.js';

/** Fastify's own error codes that are the client's fault, and what we answer for each. */
const FRAMEWORK_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'INVALID_REQUEST',
};

export function installErrorHandler(app: FastifyInstance, services: ServerServices): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error, request, services);
    auditRefusedInput(services, request, apiError, error);
    logUnlessAudited(services, request, apiError, error);
    sendApiError(reply, apiError);
  });
}

/**
 * One log record per request: a refusal or store failure that the audit log already recorded
 * (a rejected token, a failed login, store_failed) gets no second line. Our own failures are
 * always logged at error; other refusals (404, 405 …) at info.
 */
function logUnlessAudited(
  services: ServerServices,
  request: FastifyRequest,
  apiError: ApiError,
  original: unknown,
): void {
  const ours = apiError.statusCode >= 500 && !(original instanceof StoreUnavailableError);
  if (!ours && services.audit.wasAudited(request)) return;

  const entry = { reqId: request.id, code: apiError.code, reason: apiError.reason };
  if (apiError.statusCode >= 500) {
    request.log.error({ ...entry, err: safeCause(apiError.cause) }, 'request failed');
  } else {
    request.log.info(entry, 'request refused');
  }
}

export function sendApiError(reply: FastifyReply, error: ApiError): void {
  if (error.code === 'PAYLOAD_TOO_LARGE') reply.header('connection', 'close');
  reply.headers(error.headers).code(error.statusCode).send({ error: error.message });
}

function toApiError(error: unknown, request: FastifyRequest, services: ServerServices): ApiError {
  if (error instanceof ApiError) return error;

  if (error instanceof StoreUnavailableError) {
    services.audit.record(request, 'store_failed', { outcome: 'failure', reason: error.message });
    return serviceUnavailable('store unavailable', error);
  }
  if (error instanceof HasherBusyError) return serviceUnavailable('password hashing saturated');

  const fastifyError = error as Partial<FastifyError>;
  const mapped = fastifyError.code ? FRAMEWORK_ERRORS[fastifyError.code] : undefined;
  if (fastifyError.validation) {
    return new ApiError('INVALID_REQUEST', { reason: validationSummary(fastifyError) });
  }
  if (mapped) return new ApiError(mapped, { reason: fastifyError.code });
  if (error instanceof SyntaxError) return new ApiError('MALFORMED_JSON');

  // Prototype-poisoning and other parser refusals carry a 4xx status of their own.
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new ApiError('INVALID_REQUEST', { reason: fastifyError.code ?? 'client error' });
  }
  return new ApiError('INTERNAL_ERROR', { reason: 'unexpected error', cause: error });
}

/** Input refused as malformed, oversized or of the wrong type: one validation_failed event. */
const REFUSED_INPUT_STATUSES: ReadonlySet<number> = new Set([400, 413, 415]);

function auditRefusedInput(
  services: ServerServices,
  request: FastifyRequest,
  apiError: ApiError,
  original: unknown,
): void {
  if (!REFUSED_INPUT_STATUSES.has(apiError.statusCode)) return;
  const frameworkCode = (original as Partial<FastifyError>).code;
  services.audit.record(request, 'validation_failed', {
    outcome: 'failure',
    reason: apiError.reason ?? frameworkCode ?? apiError.code,
  });
}

/** Which field failed which rule: never the value itself. */
function validationSummary(error: Partial<FastifyError>): string {
  const first = error.validation?.[0];
  if (!first) return 'invalid body';
  return `${error.validationContext ?? 'body'}${first.instancePath} ${first.keyword}`;
}

/** An error's name and message, without the stack's internals or any attached data. */
function safeCause(cause: unknown): { name: string; message: string } | undefined {
  if (!(cause instanceof Error)) return undefined;
  return { name: cause.name, message: cause.message };
}
