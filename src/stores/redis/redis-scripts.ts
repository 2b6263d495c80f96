import type { ChainableCommander, Redis } from 'ioredis';
import { TOKEN_SCRIPTS } from './redis-token-scripts.js';

/** KEYS: user, users. ARGV: id, then the user hash as field/value pairs. */
const CREATE_USER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: a hash. ARGV: field, value. Changes nothing when the hash does not exist. */
const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * KEYS: counter. ARGV: nowMs, windowMs, resetAtMs of a window starting now. The reset instant
 * lives in the hash and is compared with the caller's clock; the relative PEXPIRE only
 * garbage-collects, so a counter never outlives its window by more than the clocks differ.
 */
const INCREMENT_COUNTER = `
local reset_at_ms = redis.call('HGET', KEYS[1], 'resetAtMs')
if (not reset_at_ms) or tonumber(reset_at_ms) <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'count', 1, 'resetAtMs', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, ARGV[3]}
end

local count = redis.call('HINCRBY', KEYS[1], 'count', 1)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {count, reset_at_ms}
`;

/** KEYS: failures. ARGV: nowMs, retentionMs, expiresAtMs. Same clock rule as counters. */
const RECORD_LOGIN_FAILURE = `
local expires_at_ms = redis.call('HGET', KEYS[1], 'expiresAtMs')
local failures = 1
if expires_at_ms and tonumber(expires_at_ms) > tonumber(ARGV[1]) then
  failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
else
  redis.call('HSET', KEYS[1], 'failures', 1)
end

redis.call('HSET', KEYS[1], 'lastFailureAtMs', ARGV[1], 'expiresAtMs', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return failures
`;

const SCRIPTS = {
  ...TOKEN_SCRIPTS,
  tokenauthCreateUser: CREATE_USER,
  tokenauthUpdateIfExists: UPDATE_IF_EXISTS,
  tokenauthIncrementCounter: INCREMENT_COUNTER,
  tokenauthRecordLoginFailure: RECORD_LOGIN_FAILURE,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | number;

/** The scripts defined on a client or a pipeline, as ioredis adds them at run time. */
type ScriptMethods<Result> = Record<ScriptName, (numKeys: number, ...args: ScriptArg[]) => Result>;

/**
 * Registers every script on the client. ioredis then runs them by SHA and loads them again
 * when Redis has forgotten them (after a restart), for direct calls and pipelines alike.
 */
export function defineScripts(client: Redis): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { lua });
  }
}

/** Runs a script; `keys` go to KEYS, `args` to ARGV. */
export function runScript(
  client: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  const methods = client as Redis & ScriptMethods<Promise<unknown>>;
  return methods[name](keys.length, ...keys, ...args);
}

/** Queues a script on a pipeline or transaction. */
export function queueScript(
  batch: ChainableCommander,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): void {
  const methods = batch as ChainableCommander & ScriptMethods<ChainableCommander>;
  methods[name](keys.length, ...keys, ...args);
}
