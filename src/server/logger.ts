import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/server-config.js';

/**
 * The redaction paths are a second line of defence only: no code path passes a token, a
 * password, a secret or a header object to the logger in the first place. pino compiles these
 * at start, so a bad path fails at once rather than at the first request.
 */
const REDACT_PATHS = [
  'password',
  'token',
  'access_token',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.access_token',
  '*.secret',
  '*.authorization',
  'req.headers',
  'headers',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}
