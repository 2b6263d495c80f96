/**
 * Lua scripts that change a token together with its two indexes (the user's sorted set and the
 * global deadline set), so a reader never sees one without the other and revoke-all cannot miss
 * a token created at the same moment. Every script starts with ARGV[1] = the key prefix.
 *
 * The scripts build key names from data they read (a user's digests, a token's user id), so
 * the store needs a single Redis node: Redis Cluster would reject these cross-slot keys.
 */

const PRELUDE = `
local prefix = ARGV[1]
local deadlines = prefix .. 'token-deadlines'

local function hex(text)
  return (string.gsub(text, '.', function(c) return string.format('%02x', string.byte(c)) end))
end

local function token_key(digest) return prefix .. 'token:' .. digest end
local function user_tokens_key(user_id) return prefix .. 'user-tokens:' .. hex(user_id) end

-- Deletes one token and its index entries; returns 1 when the token itself still existed.
local function remove_token(digest)
  redis.call('ZREM', deadlines, digest)
  local user_id = redis.call('HGET', token_key(digest), 'userId')
  if not user_id then return 0 end
  redis.call('ZREM', user_tokens_key(user_id), digest)
  return redis.call('DEL', token_key(digest))
end

local function remove_user_tokens(user_id)
  local index = user_tokens_key(user_id)
  local removed = 0
  for _, digest in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    redis.call('ZREM', deadlines, digest)
    removed = removed + redis.call('DEL', token_key(digest))
  end
  redis.call('DEL', index)
  return removed
end

-- An index outlives its tokens only until the last of them reaches its absolute expiry.
local function expire_with(key, expires_at_ms)
  if redis.call('PTTL', key) == -1 then
    redis.call('PEXPIREAT', key, expires_at_ms)
  else
    redis.call('PEXPIREAT', key, expires_at_ms, 'GT')
  end
end
`;

/**
 * ARGV: prefix, digest, userId, maxTokensPerUser, createdAtMs, expiresAtMs, deadlineMs, then
 * the token hash as field/value pairs.
 */
const CREATE_TOKEN = `${PRELUDE}
local digest, user_id = ARGV[2], ARGV[3]
local max_tokens, created_at_ms = tonumber(ARGV[4]), tonumber(ARGV[5])
local expires_at_ms, deadline_ms = ARGV[6], ARGV[7]
local key, index = token_key(digest), user_tokens_key(user_id)

remove_token(digest)
redis.call('HSET', key, unpack(ARGV, 8))
redis.call('PEXPIREAT', key, expires_at_ms)

-- Entries whose token Redis already expired must not count against the limit.
for _, other in ipairs(redis.call('ZRANGE', index, 0, -1)) do
  if redis.call('EXISTS', token_key(other)) == 0 then
    redis.call('ZREM', index, other)
    redis.call('ZREM', deadlines, other)
  end
end

-- Tokens created in the same millisecond keep their creation order through a fraction of the
-- score (exact in a double until the year 2248), so eviction removes the first one made.
local same_ms = redis.call('ZCOUNT', index, ARGV[5], string.format('(%d', created_at_ms + 1))
local score = created_at_ms + math.min(same_ms, 1023) / 1024
redis.call('ZADD', index, string.format('%.17g', score), digest)
redis.call('ZADD', deadlines, deadline_ms, digest)
expire_with(index, expires_at_ms)
expire_with(deadlines, expires_at_ms)

while redis.call('ZCARD', index) > max_tokens do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  redis.call('ZREM', index, oldest)
  remove_token(oldest)
end
return 1
`;

/**
 * ARGV: prefix, digest, lastUsedAtMs, idleExpiresAtMs. Never recreates a deleted token, and
 * never moves a use backwards: batches from several processes may arrive out of order.
 */
const RECORD_TOKEN_USE = `${PRELUDE}
local key = token_key(ARGV[2])
local fields = redis.call('HMGET', key, 'expiresAtMs', 'lastUsedAtMs', 'idleExpiresAtMs')
local expires_at_ms = fields[1]
if not expires_at_ms then return 0 end

local last_used_ms = math.max(tonumber(fields[2]) or 0, tonumber(ARGV[3]))
local idle_expires_ms = math.max(tonumber(fields[3]) or 0, tonumber(ARGV[4]))
redis.call('HSET', key, 'lastUsedAtMs', last_used_ms, 'idleExpiresAtMs', idle_expires_ms)
local deadline_ms = math.min(idle_expires_ms, tonumber(expires_at_ms))
redis.call('ZADD', deadlines, 'XX', deadline_ms, ARGV[2])
return 1
`;

/** ARGV: prefix, digest. */
const DELETE_TOKEN = `${PRELUDE}
return remove_token(ARGV[2])
`;

/** ARGV: prefix, userId. */
const DELETE_USER_TOKENS = `${PRELUDE}
return remove_user_tokens(ARGV[2])
`;

/** ARGV: prefix, userId. Deletes the user, its id in the user set, and all its tokens. */
const DELETE_USER = `${PRELUDE}
local user_id = ARGV[2]
if redis.call('DEL', prefix .. 'user:' .. hex(user_id)) == 0 then return 0 end
redis.call('SREM', prefix .. 'users', user_id)
remove_user_tokens(user_id)
return 1
`;

/**
 * ARGV: prefix, nowMs, batchSize. Returns {examined, deleted}; the caller repeats while a full
 * batch was examined, so one call never blocks Redis for long.
 */
const DELETE_EXPIRED_TOKENS = `${PRELUDE}
local dead = redis.call('ZRANGEBYSCORE', deadlines, '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
local deleted = 0
for _, digest in ipairs(dead) do
  deleted = deleted + remove_token(digest)
end
return {#dead, deleted}
`;

/**
 * ARGV: prefix. First drops index entries of tokens Redis already expired (their deadline is
 * behind the server's clock), so the count matches the tokens that really exist.
 */
const COUNT_TOKENS = `${PRELUDE}
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local behind = redis.call('ZRANGEBYSCORE', deadlines, '-inf', string.format('%d', now_ms))
for _, digest in ipairs(behind) do
  if redis.call('EXISTS', token_key(digest)) == 0 then redis.call('ZREM', deadlines, digest) end
end
return redis.call('ZCARD', deadlines)
`;

export const TOKEN_SCRIPTS = {
  tokenauthCreateToken: CREATE_TOKEN,
  tokenauthRecordTokenUse: RECORD_TOKEN_USE,
  tokenauthDeleteToken: DELETE_TOKEN,
  tokenauthDeleteUserTokens: DELETE_USER_TOKENS,
  tokenauthDeleteUser: DELETE_USER,
  tokenauthDeleteExpiredTokens: DELETE_EXPIRED_TOKENS,
  tokenauthCountTokens: COUNT_TOKENS,
} as const;
