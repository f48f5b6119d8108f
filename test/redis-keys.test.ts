// The clean-up that keeps test runs from leaving keys in Redis (test/support/redis-keys.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { uniquePrefix } from './support/db.js';
import { deleteKeysUnder, deleteTakenKeys, takenPrefixes } from './support/redis-keys.js';
import { TEST_REDIS_URL } from './support/services.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
});

const count = async (pattern: string) => {
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
};

it('deletes every key under a prefix, across many SCAN pages, and nothing else', async () => {
  const prefix = uniquePrefix();
  const neighbour = `${prefix.slice(0, -1)}x}`; // shares all but the last characters
  const tx = redis.multi();
  for (let i = 0; i < 2_500; i++) tx.set(`${prefix}:k:${i}`, '1');
  tx.hset(`${prefix}:queue:meta`, 'a', '1').zadd(`${prefix}:queue:delayed`, 1, 'x').xadd(`${prefix}:queue:events`, '*', 'e', '1');
  tx.set(`${neighbour}:k`, '1').set(prefix, 'the bare prefix is not under it');
  await tx.exec();

  expect(await deleteKeysUnder(redis, prefix)).toBe(2_503);
  expect(await count(`${prefix}:*`)).toBe(0);
  expect(await redis.get(`${neighbour}:k`)).toBe('1');
  expect(await redis.get(prefix)).not.toBeNull();
  await redis.unlink(`${neighbour}:k`, prefix);
});

it('reads the prefix literally, not as a glob pattern', async () => {
  const prefix = uniquePrefix();
  await redis.set(`${prefix}[1]:k`, '1');
  await redis.set(`${prefix}*:k`, '1');
  expect(await deleteKeysUnder(redis, `${prefix}*`)).toBe(1);
  expect(await redis.get(`${prefix}[1]:k`)).toBe('1');
  expect(await deleteKeysUnder(redis, `${prefix}[1]`)).toBe(1);
});

it('deletes the keys of every prefix the file took with uniquePrefix', async () => {
  const prefixes = [uniquePrefix(), uniquePrefix()];
  for (const p of prefixes) expect(takenPrefixes().has(p)).toBe(true);
  await Promise.all(prefixes.map((p) => redis.set(`${p}:queue:id`, '7')));
  await deleteTakenKeys();
  for (const p of prefixes) expect(await count(`${p}:*`)).toBe(0);
  expect(takenPrefixes().size).toBe(0);
});
