// Token leases (src/queue/lease.ts), the agents' per-agent limit: at most `limit` holders across
// connections, a waiting line ordered by band then age, and a free lease that never goes to a token
// while a better band waits — whether the line is empty (the short way) or not.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenLeases } from '../src/queue/lease.js';
import { uniquePrefix } from './support/db.js';
import { TEST_REDIS_URL } from './support/services.js';

let redis: Redis;
let other: Redis;
const prefix = uniquePrefix();
const BAND = 1e10;
const o = (band: number, age: number) => ({ limit: 2, order: band * BAND + age, bandStart: band * BAND });

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
  other = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  // Every command was awaited: close the sockets now rather than wait for the server's close after QUIT.
  redis.disconnect();
  other.disconnect();
});

describe('TokenLeases', () => {
  it('grants up to the limit across two connections, extends a holder, lines up the rest', async () => {
    const a = new TokenLeases(redis, prefix, { leaseMs: 60_000, staleMs: 30_000 });
    const b = new TokenLeases(other, prefix, { leaseMs: 60_000, staleMs: 30_000 });
    expect(await a.acquire('k1', 't1', o(2, 1))).toEqual({ granted: true });
    expect(await b.acquire('k1', 't2', o(2, 2))).toEqual({ granted: true });
    expect(await a.acquire('k1', 't1', o(2, 1))).toEqual({ granted: true }); // its own lease, extended
    expect(await b.acquire('k1', 't3', o(2, 3))).toEqual({ granted: false, ahead: 0 });
    expect(await a.acquire('k1', 't4', o(2, 4))).toEqual({ granted: false, ahead: 1 });
    expect(await a.holders('k1')).toBe(2);
    expect(await redis.zrange(a.lineKey('k1'), 0, -1)).toEqual(['t3', 't4']);
  });

  it('keeps a freed lease from a newcomer of a worse band while a better band waits; the waiter takes it', async () => {
    const l = new TokenLeases(redis, prefix, { leaseMs: 60_000, staleMs: 30_000 });
    await l.acquire('k2', 'low1', o(4, 1));
    await l.acquire('k2', 'low2', o(4, 2));
    expect(await l.acquire('k2', 'critical', o(1, 9))).toEqual({ granted: false, ahead: 0 });
    await l.release('k2', 'low1');
    // A lease is free, but the line is not empty: the LOW newcomer must not take it.
    expect(await l.acquire('k2', 'low3', o(4, 3))).toEqual({ granted: false, ahead: 1 });
    expect(await l.acquire('k2', 'critical', o(1, 9))).toEqual({ granted: true });
    expect(await l.acquire('k2', 'low3', o(4, 3))).toEqual({ granted: false, ahead: 0 });
    await l.release('k2', 'low2');
    expect(await l.acquire('k2', 'low3', o(4, 3))).toEqual({ granted: true });
    expect(await redis.zcard(l.lineKey('k2'))).toBe(0);
  });

  it('takes a free lease when nobody waits, leaving nothing behind in the line, and frees it on release', async () => {
    const l = new TokenLeases(redis, prefix, { leaseMs: 60_000, staleMs: 30_000 });
    expect(await l.acquire('k3', 'a', o(3, 1))).toEqual({ granted: true });
    expect(await redis.exists(l.lineKey('k3'), `${l.lineKey('k3').replace(/:line$/, '')}:seen`)).toBe(0);
    await l.release('k3', 'a');
    expect(await l.holders('k3')).toBe(0);
  });

  it('uses the cached limit when none is given, and says unknown when there is none', async () => {
    const l = new TokenLeases(redis, prefix, { leaseMs: 60_000, staleMs: 30_000 });
    expect(await l.acquire('k4', 'a', { ...o(3, 1), limit: null })).toEqual({ granted: false, unknown: true });
    await l.cacheLimit('k4', 1);
    expect(await l.acquire('k4', 'a', { ...o(3, 1), limit: null })).toEqual({ granted: true });
    expect(await l.acquire('k4', 'b', { ...o(3, 2), limit: null })).toEqual({ granted: false, ahead: 0 });
  });
});
