// The bound on batch-predict calls in flight against the ML service (PREDICT_CONCURRENCY), shared by
// every replica. It bounds calls, not jobs, so a chunk stores its predictions (and the next chunk calls)
// while the slot serves another call: the service always has PREDICT_CONCURRENCY calls to work on.
//
// A slot is a lease in a Redis sorted set (score = expiry, Redis's own clock), so a process that dies
// holding one frees it when the lease runs out instead of shrinking the limit for ever. Within a process a
// local limiter queues first, so a single replica never polls Redis. A lease whose call ended while
// another local call waits is handed straight to it (its expiry pushed back, without waiting for the
// reply) instead of freed and acquired again: a round trip less per call on a busy batch. After a few
// hand-overs it is freed anyway, so other replicas waiting for a slot get their turn.
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

// Pushes a held lease's expiry back (XX: only if still held; a lease that expired is not revived).
const EXTEND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])`;

/** Consecutive calls one lease may serve before it is freed for other replicas. */
const MAX_HANDOVERS = 4;

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

  /** Leases whose call just ended, waiting for the next local call (taken within the same tick). */
  private handed: Array<{ token: string; uses: number }> = [];

  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.local(async () => {
      signal?.throwIfAborted();
      const lease = this.handed.pop() ?? (await this.acquire(signal));
      if (lease.uses > 0) this.redis.eval(EXTEND, 1, this.key, this.leaseMs, lease.token).catch(() => {});
      try {
        return await fn();
      } finally {
        lease.uses += 1;
        if (this.local.pendingCount > 0 && lease.uses <= MAX_HANDOVERS) {
          this.handed.push(lease);
          // The next local call takes it within microtasks; if it was aborted meanwhile, free the lease.
          setImmediate(() => this.handed.splice(0).forEach((l) => this.release(l.token)));
        } else {
          this.release(lease.token);
        }
      }
    });
  }

  private async acquire(signal?: AbortSignal): Promise<{ token: string; uses: number }> {
    const token = randomUUID();
    // Only other replicas can hold the remaining slots: poll briefly until one frees.
    for (let wait = 1; !(await this.redis.eval(ACQUIRE, 1, this.key, this.leaseMs, this.limit, token)); wait = Math.min(wait * 2, MAX_POLL_MS)) {
      await sleep(wait, undefined, { signal });
    }
    return { token, uses: 0 };
  }

  // Not awaited: commands on one connection run in order, so this process's next ACQUIRE sees the
  // slot free anyway; if the ZREM is lost, the lease expires by itself.
  private release(token: string) {
    this.redis.zrem(this.key, token).catch(() => {});
  }
}
