// Leases in Redis shared by every replica: at most `limit` holders of one key, each a lease in a sorted
// set (score = expiry on Redis's own clock), so a process that dies holding one frees it when the lease
// runs out instead of shrinking the limit for ever. Two users:
//
// - keyed slots (slots.ts) bound calls: a fresh token per call, a first-come queue, short leases;
// - token leases (TokenLeases below) bound work that outlives one run of a job: the token is stable (a
//   task id), so each run of the job extends the same lease, a job that defers keeps it, and the work's
//   end releases it. A token that finds no free lease joins a waiting line ordered by a score the caller
//   gives (priority band, then age): a free lease never goes to a token while a better band waits, and
//   within a band whoever asks first takes it (reserving one for an equal waiter that is away, deferred,
//   would leave it idle). Waiters that stopped asking leave the line after `staleMs`.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis.js';

/**
 * The shared start of every lease script. KEYS[1] holders (token → expiry), KEYS[2] line or queue
 * (token → order), KEYS[3] seen (token → last ask); `staleArg` names the ARGV holding the stale ms.
 * Sets `now` (ms, Redis's clock), drops expired holders and waiters that stopped asking.
 */
export const expirePrelude = (staleArg: string) => `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(${staleArg}))) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end
`;

/** The shared end: the token leaves holders, line and seen (KEYS[1..3], ARGV[1]). */
const FORGET = `for i = 1, 3 do redis.call('ZREM', KEYS[i], ARGV[1]) end
`;

/**
 * A Lua script run by its SHA1 (EVALSHA): the text travels and is hashed once per Redis, not on every
 * call. A Redis that lost its script cache (restart, SCRIPT FLUSH) gets the text again.
 */
export function luaScript(lua: string) {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

// KEYS: holders, line, seen, limits (lease key → its limit, a cache the owner of the limit keeps).
// ARGV: lease ms, limit ('' = read the cache), token, order score, stale ms, the key's field in limits,
// the score where the token's band starts. Returns {1, 0} granted (or extended), {0, place in line}, or
// {-1, 0} when no limit is given or cached.
const ACQUIRE = `${expirePrelude('ARGV[5]')}
local lease, token = tonumber(ARGV[1]), ARGV[3]
local limit = tonumber(ARGV[2])
if limit then
  redis.call('HSET', KEYS[4], ARGV[6], limit)
else
  limit = tonumber(redis.call('HGET', KEYS[4], ARGV[6]))
  if not limit then return {-1, 0} end
end
local ttl = math.max(lease, tonumber(ARGV[5])) * 2
if redis.call('ZSCORE', KEYS[1], token) then
  redis.call('ZADD', KEYS[1], now + lease, token)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, 0}
end
-- Nobody waits (the usual case): take a free lease without going through the line.
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, token)
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, 0}
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[4], token)
redis.call('ZADD', KEYS[3], now, token)
local rank = redis.call('ZRANK', KEYS[2], token)
local better = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. ARGV[7])
local free = limit - redis.call('ZCARD', KEYS[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl) end
if free > better then
  redis.call('ZREM', KEYS[2], token)
  redis.call('ZREM', KEYS[3], token)
  redis.call('ZADD', KEYS[1], now + lease, token)
  return {1, 0}
end
return {0, rank}`;

// KEYS: holders, line, seen, then the channel of the messages. ARGV: token, messages to publish. One
// round trip frees the lease and announces what happened (the messages keep their order).
const RELEASE = `${FORGET}
for i = 2, #ARGV do redis.call('PUBLISH', KEYS[4], ARGV[i]) end
return 1`;

const acquireScript = luaScript(ACQUIRE);
const releaseScript = luaScript(RELEASE);

/** Frees `token` from holders, line and seen (`keys`, plus the channel when there are `messages`). Never throws. */
export function releaseToken(redis: RedisClient, keys: readonly string[], token: string, messages: readonly string[] = []): Promise<void> {
  return releaseScript(redis, keys, [token, ...messages]).then(() => {}, () => {});
}

export type LeaseGrant = { granted: true } | { granted: false; ahead: number } | { granted: false; unknown: true };

export interface TokenLeaseOptions {
  /** A holder that stops extending its lease loses it after this long (a dead process's work). */
  leaseMs: number;
  /** A waiter that stops asking leaves the line after this long. */
  staleMs: number;
}

/** Token leases under `<prefix>:leases:<key>` (see the top of this file). */
export class TokenLeases {
  constructor(private readonly redis: RedisClient, private readonly prefix: string, readonly o: TokenLeaseOptions) {}

  private keys(key: string): [string, string, string] {
    const k = `${this.prefix}:leases:${key}`;
    return [k, `${k}:line`, `${k}:seen`];
  }

  private get limitsKey() {
    return `${this.prefix}:leases:limits`;
  }

  /**
   * Takes (or extends) `token`'s lease of `key`; otherwise says its place in the line (0 = head).
   * `order` places the token in the line (lower first); `bandStart` is the lowest order of its band: a
   * waiter below it goes first. Without a `limit` the cached one is used; `unknown` says none is cached.
   */
  async acquire(key: string, token: string, o: { limit: number | null; order: number; bandStart: number }): Promise<LeaseGrant> {
    const [ok, ahead] = (await acquireScript(this.redis, [...this.keys(key), this.limitsKey], [this.o.leaseMs, o.limit ?? '', token, o.order, this.o.staleMs, key, o.bandStart])) as [number, number];
    if (ok === -1) return { granted: false, unknown: true };
    return ok ? { granted: true } : { granted: false, ahead };
  }

  /** Caches the limit of `key` (null forgets it), for acquires that give none. */
  async cacheLimit(key: string, limit: number | null): Promise<void> {
    if (limit === null) await this.redis.hdel(this.limitsKey, key);
    else await this.redis.hset(this.limitsKey, key, limit);
  }

  /**
   * Frees `token`'s lease and its place in the line, and publishes `announce.messages` on its channel in
   * the same round trip. Idempotent; never throws (a lost release expires by itself). Callers need not
   * wait: this process's next acquire goes after it on the same connection.
   */
  release(key: string, token: string, announce?: { channel: string; messages: readonly string[] }): Promise<void> {
    return releaseToken(this.redis, announce ? [...this.keys(key), announce.channel] : this.keys(key), token, announce?.messages);
  }

  /** Holders of `key` now (for tests and status). */
  holders(key: string): Promise<number> {
    return this.redis.zcount(this.keys(key)[0], Date.now(), '+inf');
  }

  /** The line's key of `key` (tests look at who waits). */
  lineKey(key: string): string {
    return this.keys(key)[1];
  }
}
