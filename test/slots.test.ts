// The bound on ML-service calls in flight, shared through Redis: leases, hand-over between local calls,
// and nothing left behind when calls end or are aborted.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotRegistry, Slots } from '../src/queue/slots.js';
import { uniquePrefix } from './support/db.js';
import { TEST_REDIS_URL } from './support/services.js';

let redis: Redis;
let other: Redis;
const prefix = uniquePrefix();

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
  other = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  // Every command was awaited: close the sockets now rather than wait for the server's close after QUIT.
  redis.disconnect();
  other.disconnect();
});

/** A call that records how many calls (of every Slots sharing `live`) run at once. */
function tracked(live: { now: number; max: number }, ms: number) {
  return async () => {
    live.max = Math.max(live.max, ++live.now);
    await sleep(ms);
    live.now -= 1;
    return ms;
  };
}

describe('Slots (keyed, shared across replicas)', () => {
  it('keeps at most `limit` calls in flight across two replicas (two connections), and frees every lease at the end', async () => {
    const key = `${prefix}:slots:a`;
    const a = new Slots(redis, key, 3, 10_000);
    const b = new Slots(other, key, 3, 10_000);
    const live = { now: 0, max: 0 };
    const members: number[] = [];
    const watch = setInterval(() => void redis.zcard(key).then((n) => members.push(n)), 2);
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).run(tracked(live, 10 + (i % 3)))));
    clearInterval(watch);
    expect(results).toHaveLength(24);
    expect(live.max).toBe(3);
    expect(Math.max(...members)).toBeLessThanOrEqual(3);
    await sleep(20); // releases are not awaited
    expect(await redis.zcard(key)).toBe(0);
  });

  it('hands a lease to the next local call instead of acquiring a new one', async () => {
    const key = `${prefix}:slots:b`;
    const slots = new Slots(redis, key, 1, 10_000);
    const tokens = new Set<string>();
    const seen = () => async () => {
      for (const t of await redis.zrange(key, 0, -1)) tokens.add(t);
      await sleep(2);
    };
    await Promise.all(Array.from({ length: 4 }, () => slots.run(seen())));
    // Four calls back to back on one slot: one lease served them all (up to its hand-over limit).
    expect(tokens.size).toBe(1);
    await sleep(20);
    expect(await redis.zcard(key)).toBe(0);
  });

  it('is fair across replicas: a queued caller gets the next free slot, ahead of hand-overs', async () => {
    const key = `${prefix}:slots:fair`;
    const a = new Slots(redis, key, 1, 10_000);
    const b = new Slots(other, key, 1, 10_000);
    const finished: string[] = [];
    const call = (slots: Slots, name: string) => slots.run(async () => {
      await sleep(20);
      finished.push(name);
    });
    const stream = Array.from({ length: 8 }, (_, i) => call(a, `a${i}`));
    await sleep(5); // a's first call holds the only slot, seven more wait in a
    await Promise.all([...stream, call(b, 'b')]);
    // b queued during a0; a0's lease went to a1 before a learnt of b, then b took it.
    expect(finished.indexOf('b')).toBeLessThanOrEqual(2);
    await sleep(20);
    expect(await redis.zcard(key)).toBe(0);
    expect(await redis.zcard(`${key}:queue`)).toBe(0);
  });

  it('frees a handed-over lease whose next call was aborted while waiting', async () => {
    const key = `${prefix}:slots:c`;
    const slots = new Slots(redis, key, 1, 10_000);
    const ac = new AbortController();
    const first = slots.run(async () => {
      ac.abort(); // the waiting call gives up while this one holds the slot
      await sleep(5);
    });
    const second = slots.run(async () => 'never', ac.signal);
    await first;
    await expect(second).rejects.toThrow(/aborted/i);
    await sleep(20);
    expect(await redis.zcard(key)).toBe(0);
    // And the slot is usable again.
    expect(await slots.run(async () => 'ok')).toBe('ok');
  });

  it('keys slots: one bound per key, shared by every caller of the key in a process, keys independent', async () => {
    const reg = new SlotRegistry(redis, prefix);
    const agentA = reg.get('agent:a', 2);
    expect(reg.get('agent:a', 2)).toBe(agentA);
    expect(() => reg.get('agent:a', 3)).toThrow(/already used with limit 2/);
    expect(() => reg.get('bad key', 1)).toThrow(/must be letters/);
    expect(() => reg.get('agent:z', 0)).toThrow(/positive integer/);
    const replica = new SlotRegistry(other, prefix);
    const liveA = { now: 0, max: 0 };
    const liveB = { now: 0, max: 0 };
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => (i % 2 ? agentA : replica.get('agent:a', 2)).run(tracked(liveA, 10))),
      ...Array.from({ length: 10 }, () => reg.get('agent:b', 5).run(tracked(liveB, 10))),
    ]);
    expect(liveA.max).toBe(2);
    expect(liveB.max).toBe(5);
    await sleep(20);
    expect(await redis.zcard(`${prefix}:slots:agent:a`)).toBe(0);
  });
});
