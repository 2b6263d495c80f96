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

/**
 * JSON escapes CR, LF, ESC and the other C0 controls, but not DEL, the C1 controls (U+009B
 * starts an escape sequence on some terminals) or the Unicode line separators that some log
 * viewers break lines on. Those are written as `\u{…}` text instead.
 */
const UNSAFE_FOR_LOGS = /[\u007f-\u009f\u2028\u2029]/gu;
const MAX_DEPTH = 4;

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
    formatters: {
      log: (record: Record<string, unknown>) => neutralizeRecord(record, 0),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A copy of a log record whose strings are safe to print; the caller's object is untouched. */
export function neutralizeRecord(
  record: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    safe[neutralizeString(key)] = neutralizeValue(value, depth + 1);
  }
  return safe;
}

function neutralizeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return neutralizeString(value);
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => neutralizeValue(item, depth + 1));

  // Errors and other class instances keep their type: their serializers expect it.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return neutralizeRecord(value as Record<string, unknown>, depth);
}

function neutralizeString(text: string): string {
  return text.replace(UNSAFE_FOR_LOGS, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
}
