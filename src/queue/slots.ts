// Keyed slots: at most `limit` calls of one key (an upstream service, an agent, …) in flight across every
// replica: `deps.slots('ml-service', 8).run(() => call())`. They bound calls, not jobs, so a job can do its
// other work (store results) while its slot serves another call. First user: the ML service's
// batch-predict calls (PREDICT_CONCURRENCY).
//
// A slot is a lease in a Redis sorted set (score = expiry, Redis's own clock), so a process that dies
// holding one frees it when the lease runs out instead of shrinking the limit for ever. Within a process a
// local limiter queues first, so a single replica never polls Redis.
//
// Fair across replicas: a call that finds no free slot joins a first-come queue in Redis and polls; free
// slots go to the head of that queue before any newcomer. A lease whose call ended while another local
// call waits is handed straight to it (its expiry pushed back without waiting for the reply: a round
// trip less per call on a busy batch), but only while no other caller is queued; once one is, the lease
// is freed at its call's end and the queue's head takes it.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../redis.js';
import pLimit, { type LimitFunction } from 'p-limit';
import { expirePrelude, luaScript, releaseToken } from './lease.js';

// KEYS: leases (token → expiry), queue (token → arrival), seen (token → last poll). A queued caller
// that stopped polling for STALE_MS (it died, or gave up without saying so) leaves the queue (the
// prelude lease.ts shares with token leases).
const PRELUDE = expirePrelude('ARGV[4]');

// ARGV: lease ms, limit, token, stale ms. Returns 0 (queued: poll again) or 1 + the callers still queued.
const ACQUIRE = `${PRELUDE}
local lease, limit, token = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local free = limit - redis.call('ZCARD', KEYS[1])
local rank = redis.call('ZRANK', KEYS[2], token)
local ahead = rank or redis.call('ZCARD', KEYS[2])
if free > ahead then
  redis.call('ZREM', KEYS[2], token)
  redis.call('ZREM', KEYS[3], token)
  redis.call('ZADD', KEYS[1], now + lease, token)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], lease * 2) end
  return 1 + redis.call('ZCARD', KEYS[2])
end
redis.call('ZADD', KEYS[2], 'NX', now, token)
redis.call('ZADD', KEYS[3], now, token)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], lease * 2) end
return 0`;
const acquireScript = luaScript(ACQUIRE);

// ARGV: lease ms, -, token, stale ms. Pushes a held lease's expiry back (XX: a lease that expired is not
// revived) and returns how many callers are queued.
const EXTEND = `${PRELUDE}
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[3])
return redis.call('ZCARD', KEYS[2])`;
const extendScript = luaScript(EXTEND);

const MAX_POLL_MS = 10;
const STALE_MS = 2_000;

interface Lease {
  token: string;
  /** Somebody (another replica, or a call here that missed the hand-over) is queued for a slot. */
  othersQueued: boolean;
}

export class Slots {
  private readonly local: LimitFunction;
  private readonly keys: [string, string, string];
  /** Leases whose call just ended, waiting for the next local call (taken within the same tick). */
  private handed: Lease[] = [];

  constructor(
    private readonly redis: RedisClient,
    key: string,
    readonly limit: number,
    /** Longer than any call can take (the call's own deadline plus a margin). */
    private readonly leaseMs: number,
  ) {
    this.local = pLimit(limit);
    this.keys = [key, `${key}:queue`, `${key}:seen`];
  }

  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.local(async () => {
      signal?.throwIfAborted();
      let lease = this.handed.pop();
      if (lease) {
        const held = lease;
        this.script(extendScript, held.token).then((queued) => (held.othersQueued = Number(queued) > 0), () => {});
      } else {
        lease = await this.acquire(signal);
      }
      try {
        return await fn();
      } finally {
        if (this.local.pendingCount > 0 && !lease.othersQueued) {
          this.handed.push(lease);
          // The next local call takes it within microtasks; if it was aborted meanwhile, free the lease.
          setImmediate(() => this.handed.splice(0).forEach((l) => this.release(l.token)));
        } else {
          this.release(lease.token);
        }
      }
    });
  }

  private async acquire(signal?: AbortSignal): Promise<Lease> {
    const token = randomUUID();
    try {
      for (let wait = 1; ; wait = Math.min(wait * 2, MAX_POLL_MS)) {
        const granted = Number(await this.script(acquireScript, token));
        if (granted) return { token, othersQueued: granted > 1 };
        await sleep(wait, undefined, { signal });
      }
    } catch (err) {
      this.release(token); // leave the queue at once rather than when it goes stale
      throw err;
    }
  }

  private script(script: ReturnType<typeof luaScript>, token: string) {
    return script(this.redis, this.keys, [this.leaseMs, this.limit, token, STALE_MS]);
  }

  // Not awaited: commands on one connection run in order, so this process's next ACQUIRE sees the
  // slot free anyway; if the ZREM is lost, the lease expires by itself.
  private release(token: string) {
    void releaseToken(this.redis, this.keys, token);
  }
}

export interface SlotOptions {
  /** Longer than any call under the slot can take (a dead process's lease frees itself after this). */
  leaseMs?: number;
}

/** One `Slots` per key and process (the local queue in front of Redis must be shared by all callers). */
export class SlotRegistry {
  private readonly byKey = new Map<string, Slots>();

  constructor(private readonly redis: RedisClient, private readonly prefix: string) {}

  get(key: string, limit: number, o: SlotOptions = {}): Slots {
    if (!/^[a-z0-9][a-z0-9:._-]*$/i.test(key)) throw new Error(`slot key "${key}" must be letters, digits and : . _ -`);
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`slot limit for "${key}" must be a positive integer, got ${limit}`);
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.limit !== limit) throw new Error(`slot key "${key}" is already used with limit ${existing.limit}, not ${limit}`);
      return existing;
    }
    const slots = new Slots(this.redis, `${this.prefix}:slots:${key}`, limit, o.leaseMs ?? 60_000);
    this.byKey.set(key, slots);
    return slots;
  }
}
