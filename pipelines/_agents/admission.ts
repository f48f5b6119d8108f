// Per-agent concurrency across every replica, in priority order.
//
// Why not `deps.slots` alone: a slot bounds one call inside one run of a handler, but an agent-os task
// runs for minutes across many runs (it defers between polls and holds no worker), and its agent's limit
// must count it the whole time. So a task holds a lease under its own id (a stable token): each run of
// its job extends it, the task's end releases it, and a process that dies lets it expire (LEASE_MS).
//
// A task that finds no free lease joins the agent's waiting line, ordered by priority then age, and its
// job defers itself: it holds no worker while it waits. A free lease never goes to a task while a task of
// a higher priority waits, so a CRITICAL task behind 1,000 LOW ones of the same agent starts next. Among
// equal priorities whoever asks first takes it: reserving a lease for an equal waiter that is away
// (deferred) would leave it idle, and the agent's tasks would move in a convoy. Waiters poll sooner the
// nearer they are to the head. Waiters that stopped polling (their job was removed) leave after STALE_MS.
import type { RedisClient } from '../../src/redis.js';
import { BULL_PRIORITY, type Priority } from './schemas.js';

export const LEASE_MS = 120_000;
const STALE_MS = 30_000;

// KEYS: holders (token → lease expiry), line (token → order score), seen (token → last poll), limits
// (agent → its concurrency limit, a cache of the agents table). ARGV: lease ms, limit ('' = read the
// cache), token, order score, stale ms, agent id, the score where the token's priority band starts.
// Returns {1, 0} granted, {0, place in line}, or {-1, 0} when the limit is not cached.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[5]))) do
  redis.call('ZREM', KEYS[2], gone)
  redis.call('ZREM', KEYS[3], gone)
end
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

/** Line order: priority band first, then the task's age (its id grows with creation). */
export const lineScore = (priority: Priority, taskId: number) => bandStart(priority) + taskId;
const bandStart = (priority: Priority) => BULL_PRIORITY[priority] * 1e10;

export class AgentAdmission {
  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  private keys(agentId: number): [string, string, string] {
    const k = `${this.prefix}:agents:lease:${agentId}`;
    return [k, `${k}:line`, `${k}:seen`];
  }

  private get limitsKey() {
    return `${this.prefix}:agents:limits`;
  }

  /**
   * Takes (or extends) the task's lease; otherwise says its place in the line (0 = head). Without a
   * `limit`, the cached one is used; `unknown` means there is none cached (load the agent, then `cacheLimit`).
   */
  async acquire(agentId: number, limit: number | null, taskId: number, priority: Priority): Promise<{ granted: true } | { granted: false; ahead: number } | { unknown: true; granted: false }> {
    const [ok, ahead] = (await this.redis.eval(ACQUIRE, 4, ...this.keys(agentId), this.limitsKey, LEASE_MS, limit ?? '', String(taskId), lineScore(priority, taskId), STALE_MS, agentId, bandStart(priority))) as [number, number];
    if (ok === -1) return { unknown: true, granted: false };
    return ok ? { granted: true } : { granted: false, ahead };
  }

  /** Caches an agent's limit for the fast path (set on create, change and whenever a task loaded the agent). */
  async cacheLimit(agentId: number, limit: number | null): Promise<void> {
    if (limit === null) await this.redis.hdel(this.limitsKey, String(agentId));
    else await this.redis.hset(this.limitsKey, String(agentId), limit);
  }

  /**
   * Frees the task's lease (and its place in the line). Idempotent. Callers need not wait: this process's
   * next acquire goes after it on the same connection, and a lost release expires by itself.
   */
  async release(agentId: number, taskId: number): Promise<void> {
    const [a, b, c] = this.keys(agentId);
    await this.redis.multi().zrem(a, String(taskId)).zrem(b, String(taskId)).zrem(c, String(taskId)).exec().catch(() => {});
  }

  /** Tasks holding a lease now (for tests and status). */
  async holders(agentId: number): Promise<number> {
    return this.redis.zcount(this.keys(agentId)[0], Date.now(), '+inf');
  }
}

/** How long a waiting task defers before asking again: soon at the head of the line, rarely far back. */
export const waitMs = (ahead: number) => Math.min(2_000, 50 * (ahead + 1));
