// A rate limit per upstream shared by every replica: GCRA (generic cell rate algorithm) in one Lua
// script, so the limit holds across processes without a lock and smooths bursts.
import type { RedisClient } from '../redis.js';

const GCRA = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', key) or now)
if tat < now then tat = now end
local allow_at = tat - (burst - 1) * interval
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', key, new_tat, 'PX', math.ceil(new_tat - now + interval))
return 0`;

export interface RateLimit {
  /** Requests allowed per `perMs`, shared by all replicas. */
  max: number;
  perMs: number;
  /** How many may go at once after an idle period (default 1: evenly spaced). */
  burst?: number;
}

export class SharedRateLimiter {
  private readonly interval: number;
  private readonly burst: number;

  constructor(private readonly redis: RedisClient, private readonly key: string, limit: RateLimit) {
    this.interval = limit.perMs / limit.max;
    this.burst = Math.max(1, limit.burst ?? 1);
  }

  /** Takes a slot: 0 when granted now, else how many ms to wait before asking again. */
  async take(now = Date.now()): Promise<number> {
    const wait = (await this.redis.eval(GCRA, 1, this.key, now, this.interval, this.burst)) as number;
    return Math.ceil(Number(wait));
  }
}
