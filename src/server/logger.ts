import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/server-config.js';

/**
 * Keys whose values are never written, at any depth: a second line of defence only, since no
 * code path passes a token, a password, a secret or a header object to the logger. This is
 * done in the same walk that escapes control characters, rather than by pino's `redact`
 * paths, because a second walk of every record cost a tenth of an open login's CPU; and a
 * key here is censored at every depth, where the paths covered two levels.
 */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'password',
  'new_password',
  'token',
  'access_token',
  'secret',
  'authorization',
  'cookie',
  'headers',
]);
const CENSORED = '[redacted]';

/**
 * JSON escapes CR, LF, ESC and the other C0 controls, but not DEL, the C1 controls (U+009B
 * starts an escape sequence on some terminals) or the Unicode line separators that some log
 * viewers break lines on. Those are written as `\u{…}` text instead.
 */
const UNSAFE_FOR_LOGS = /[\u007f-\u009f\u2028\u2029]/gu;
/** The same class without the global flag: a test is much cheaper than a replace that finds nothing. */
const HAS_UNSAFE_FOR_LOGS = /[\u007f-\u009f\u2028\u2029]/u;
const MAX_DEPTH = 4;

/**
 * Without a destination, logs go to stdout through an asynchronous writer: under load the
 * records of many requests leave in one write instead of a system call each. pino flushes it
 * when the process exits; a power cut can lose the last few kilobytes of records.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
    formatters: {
      log: (record: Record<string, unknown>) => neutralizeRecord(record, 0),
    },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** A copy of a log record whose strings are safe to print; the caller's object is untouched. */
export function neutralizeRecord(
  record: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const censored = SENSITIVE_KEYS.has(key.toLowerCase()) && value !== undefined;
    safe[neutralizeString(key)] = censored ? CENSORED : neutralizeValue(value, depth + 1);
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
  if (!HAS_UNSAFE_FOR_LOGS.test(text)) return text;
  return text.replace(UNSAFE_FOR_LOGS, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
}
