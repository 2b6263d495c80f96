import type { RedisOptions } from 'ioredis';

/**
 * Where the Redis store connects, read from its `--store` URL:
 *
 * - `redis://[user:password@]host:port/db`, or `rediss://` for TLS: one Redis node;
 * - `redis+sentinel://[user:password@]host:port[,host:port…]/master-name[/db]`: the current
 *   master of `master-name`, asked of the listed Sentinels, and asked again after a failover.
 *   The credentials are the data nodes'; the Sentinels themselves are reached without.
 *
 * Throws an Error whose message never repeats the URL, which may carry a password.
 */
export type RedisTarget =
  | { readonly kind: 'node'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly options: SentinelOptions; readonly masterName: string };

/** The client options a Sentinel URL sets; the connection's own behaviour is added later. */
export type SentinelOptions = Pick<
  RedisOptions,
  'sentinels' | 'name' | 'db' | 'failoverDetector' | 'username' | 'password'
>;

const SENTINEL_SCHEME = 'redis+sentinel:';
const DEFAULT_SENTINEL_PORT = 26379;
const MAX_DB = 15;

export function parseRedisUrl(url: string): RedisTarget {
  if (url.startsWith(`${SENTINEL_SCHEME}//`)) return parseSentinelUrl(url);

  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error('the redis store URL cannot be parsed');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new Error('the redis store URL must start with redis://, rediss:// or redis+sentinel://');
  }
  return { kind: 'node', url };
}

/** WHATWG URLs hold one host; a Sentinel URL lists several, so it is taken apart by hand. */
function parseSentinelUrl(url: string): RedisTarget {
  const rest = url.slice(`${SENTINEL_SCHEME}//`.length);
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? '' : rest.slice(0, at);
  const [hostList = '', masterName = '', db = '0', ...extra] = rest.slice(at + 1).split('/');
  if (extra.length > 0 || masterName === '') {
    throw new Error('a sentinel store URL needs a master name: redis+sentinel://host:port/name');
  }
  if (!/^\d+$/.test(db) || Number(db) > MAX_DB) {
    throw new Error(`the database of a sentinel store URL must be a number from 0 to ${MAX_DB}`);
  }

  const sentinels = hostList.split(',').map(parseHostPort);
  const options: SentinelOptions = {
    sentinels,
    name: decode(masterName),
    db: Number(db),
    // A failover announced by a Sentinel moves the connection at once, without waiting for
    // the old master to fail a command.
    failoverDetector: true,
  };
  if (credentials !== '') {
    const colon = credentials.indexOf(':');
    const username = colon === -1 ? credentials : credentials.slice(0, colon);
    if (username !== '') options.username = decode(username);
    if (colon !== -1) options.password = decode(credentials.slice(colon + 1));
  }
  return { kind: 'sentinel', options, masterName: decode(masterName) };
}

function parseHostPort(entry: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
  const port = match?.[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(match[2]);
  if (!match?.[1] || port < 1 || port > 65535) {
    throw new Error('each sentinel of a sentinel store URL must be host or host:port');
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error('the redis store URL has a malformed %-escape');
  }
}
