// The bound on batch-predict calls in flight against the ML service (PREDICT_CONCURRENCY), shared by
// every replica. It bounds calls, not jobs, so a chunk stores its predictions (and the next chunk calls)
// while the slot serves another call: the service always has PREDICT_CONCURRENCY calls to work on.
//
// A slot is a lease in a Redis sorted set (score = expiry, Redis's own clock), so a process that dies
// holding one frees it when the lease runs out instead of shrinking the limit for ever. Within a process a
// local limiter queues first, so a single replica never polls Redis.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import pLimit, { type LimitFunction } from 'p-limit';

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 1
end
return 0`;

const MAX_POLL_MS = 10;

export class CallSlots {
  private readonly local: LimitFunction;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly limit: number,
    /** Longer than any call can take (the call's own deadline plus a margin). */
    private readonly leaseMs: number,
  ) {
    this.local = pLimit(limit);
  }

  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.local(async () => {
      signal?.throwIfAborted();
      const token = randomUUID();
      // Only other replicas can hold the remaining slots: poll briefly until one frees.
      for (let wait = 1; !(await this.redis.eval(ACQUIRE, 1, this.key, this.leaseMs, this.limit, token)); wait = Math.min(wait * 2, MAX_POLL_MS)) {
        await sleep(wait, undefined, { signal });
      }
      try {
        return await fn();
      } finally {
        // Not awaited: commands on one connection run in order, so this process's next ACQUIRE sees the
        // slot free anyway; if the ZREM is lost, the lease expires by itself.
        this.redis.zrem(this.key, token).catch(() => {});
      }
    });
  }
}
