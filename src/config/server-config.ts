import { isIP } from 'node:net';
import { parseDurationMs } from '../core/durations.js';

export type LoginMode = 'password' | 'open';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `tokenauth serve` runs with, after merging, validation and freezing. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly store: string;
  readonly login: LoginMode;
  readonly logLevel: LogLevel;
  readonly tokenTtlMs: number;
  readonly idleTimeoutMs: number;
  readonly maxTokensPerUser: number;
  readonly allowRegistration: boolean;
  readonly trustedProxies: readonly string[];
  readonly workers: number;
  readonly metricsToken: string | null;
  /** A listener of its own for /metrics; null serves /metrics on the API port. */
  readonly metricsPort: number | null;
  readonly metricsHost: string;
  readonly keepAliveTimeoutMs: number;
  readonly shutdownDrainMs: number;
  readonly hashConcurrency: number;
  readonly hashQueue: number;
}

/** What a setting's parser returns for text it cannot accept. */
const INVALID = Symbol('invalid');
type Parsed<T> = T | typeof INVALID;

/** One setting: its flag, its environment variable, its default, and how to read it. */
interface Setting<K extends keyof ServerConfig> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly fallback: string;
  readonly parse: (text: string) => Parsed<ServerConfig[K]>;
  readonly expected: string;
}

const intIn =
  (min: number, max: number) =>
  (text: string): Parsed<number> => {
    if (!/^\d+$/.test(text)) return INVALID;
    const value = Number(text);
    return value >= min && value <= max ? value : INVALID;
  };

const durationIn =
  (minMs: number, maxMs: number) =>
  (text: string): Parsed<number> => {
    const ms = parseDurationMs(text);
    return ms !== null && ms >= minMs && ms <= maxMs ? ms : INVALID;
  };

const boolean = (text: string): Parsed<boolean> =>
  ({ true: true, '1': true, yes: true, false: false, '0': false, no: false })[text] ?? INVALID;

const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (text: string): Parsed<T> =>
    (choices as readonly string[]).includes(text) ? (text as T) : INVALID;

const proxyList = (text: string): Parsed<string[]> => {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const valid = entries.every((entry) => isIP(entry.split('/')[0] ?? '') !== 0);
  return valid ? entries : INVALID;
};

const DAY_MS = 86_400_000;

const SETTINGS = [
  set(
    'host',
    '--host',
    'TOKENAUTH_HOST',
    '127.0.0.1',
    (t) => (t ? t : INVALID),
    'a host name or IP',
  ),
  set('port', '--port', 'TOKENAUTH_PORT', '5000', intIn(0, 65535), 'a port from 0 to 65535'),
  set('store', '--store', 'TOKENAUTH_STORE', 'sqlite:./tokenauth.db', storeUrl, 'a store URL'),
  set(
    'login',
    '--login',
    'TOKENAUTH_LOGIN',
    'password',
    oneOf(['password', 'open'] as const),
    'password or open',
  ),
  set(
    'logLevel',
    '--log-level',
    'TOKENAUTH_LOG_LEVEL',
    'info',
    oneOf(LOG_LEVELS),
    LOG_LEVELS.join(', '),
  ),
  set(
    'tokenTtlMs',
    '--token-ttl',
    'TOKENAUTH_TOKEN_TTL',
    '12h',
    durationIn(1000, 365 * DAY_MS),
    'a duration from 1s to 365d, like 12h',
  ),
  set(
    'idleTimeoutMs',
    '--idle-timeout',
    'TOKENAUTH_IDLE_TIMEOUT',
    '30m',
    (t) => (t === '0' ? 0 : durationIn(1000, 365 * DAY_MS)(t)),
    'a duration like 30m, or 0 for none',
  ),
  set(
    'maxTokensPerUser',
    '--max-tokens-per-user',
    'TOKENAUTH_MAX_TOKENS_PER_USER',
    '10',
    intIn(1, 10_000),
    'a number from 1 to 10000',
  ),
  set(
    'allowRegistration',
    '--allow-registration',
    'TOKENAUTH_ALLOW_REGISTRATION',
    'false',
    boolean,
    'true or false',
  ),
  set(
    'trustedProxies',
    '--trusted-proxy',
    'TOKENAUTH_TRUSTED_PROXIES',
    '',
    proxyList,
    'comma-separated IP addresses or CIDR ranges',
  ),
  set('workers', '--workers', 'TOKENAUTH_WORKERS', '1', intIn(1, 256), 'a number from 1 to 256'),
  set(
    'metricsToken',
    '--metrics-token',
    'TOKENAUTH_METRICS_TOKEN',
    '',
    (t) => (t === '' ? null : t.length >= 16 ? t : INVALID),
    'at least 16 characters',
  ),
  set(
    'metricsPort',
    '--metrics-port',
    'TOKENAUTH_METRICS_PORT',
    '',
    (t) => (t === '' ? null : intIn(0, 65535)(t)),
    'a port from 0 to 65535, or empty to serve /metrics on --port',
  ),
  set(
    'metricsHost',
    '--metrics-host',
    'TOKENAUTH_METRICS_HOST',
    '127.0.0.1',
    (t) => (t ? t : INVALID),
    'a host name or IP',
  ),
  set(
    'keepAliveTimeoutMs',
    '--keep-alive-timeout',
    'TOKENAUTH_KEEP_ALIVE_TIMEOUT',
    '72s',
    durationIn(1000, 3_600_000),
    'a duration from 1s to 1h',
  ),
  set(
    'shutdownDrainMs',
    '--shutdown-drain',
    'TOKENAUTH_SHUTDOWN_DRAIN',
    '10s',
    durationIn(0, 600_000),
    'a duration up to 10m',
  ),
  set(
    'hashConcurrency',
    '--hash-concurrency',
    'TOKENAUTH_HASH_CONCURRENCY',
    '4',
    intIn(1, 64),
    'a number from 1 to 64',
  ),
  set(
    'hashQueue',
    '--hash-queue',
    'TOKENAUTH_HASH_QUEUE',
    '64',
    intIn(0, 100_000),
    'a number from 0 to 100000',
  ),
] as const;

function set<K extends keyof ServerConfig>(
  key: K,
  flag: string,
  env: string,
  fallback: string,
  parse: (text: string) => Parsed<ServerConfig[K]>,
  expected: string,
): Setting<K> {
  return { key, flag, env, fallback, parse, expected };
}

function storeUrl(text: string): Parsed<string> {
  return /^(memory:$|sqlite:.+|(rediss?|redis\+sentinel):\/\/.+)/.test(text) ? text : INVALID;
}

/** The flags `serve` accepts, for the command line to declare. */
export const SERVER_SETTINGS: readonly {
  flag: string;
  env: string;
  fallback: string;
  expected: string;
}[] = SETTINGS;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/**
 * Merges flags (highest), environment variables, then defaults; validates every setting and
 * reports all problems at once; refuses unsafe combinations; returns a frozen object. The
 * caller's objects are never written to. Values of secret settings never appear in problems.
 */
export function loadServerConfig(
  flags: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): ServerConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};

  for (const setting of SETTINGS) {
    const fromFlag = flags[setting.flag];
    const raw = fromFlag ?? env[setting.env] ?? setting.fallback;
    const source =
      fromFlag !== undefined
        ? setting.flag
        : env[setting.env] !== undefined
          ? setting.env
          : 'default';
    const value = setting.parse(raw);
    if (value === INVALID) {
      const shown =
        setting.key === 'metricsToken' || setting.key === 'store'
          ? '(hidden)'
          : JSON.stringify(raw);
      problems.push(`${setting.flag} (${source}) is ${shown}; expected ${setting.expected}`);
      continue;
    }
    values[setting.key] = value;
  }

  if (problems.length === 0)
    problems.push(...unsafeCombinations(values as unknown as ServerConfig, env));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(values as unknown as ServerConfig);
}

function unsafeCombinations(
  config: ServerConfig,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const problems: string[] = [];
  if (config.login === 'open' && env.NODE_ENV === 'production') {
    problems.push('--login open authenticates nobody and is refused when NODE_ENV=production');
  }
  if (config.workers > 1 && config.store === 'memory:') {
    problems.push(
      '--workers above 1 needs a shared store (sqlite: or redis://): processes cannot share memory:',
    );
  }
  if (
    config.metricsPort !== null &&
    config.metricsPort !== 0 &&
    config.metricsPort === config.port
  ) {
    problems.push('--metrics-port must differ from --port');
  }
  if (config.idleTimeoutMs > config.tokenTtlMs) {
    problems.push('--idle-timeout must not exceed --token-ttl');
  }
  return problems;
}
