// The benchmarks' own plumbing: a run removes exactly its Redis keys and its database, judges the
// median of its rounds, and refuses bad flags naming them.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { keyPrefix, ownDatabase, releaseAll, unlinkPrefix } from './bench/leftovers.js';
import { arg, median, roundsArg, UsageError } from './bench/support.js';
import { uniquePrefix } from './support/db.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/services.js';

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
afterAll(() => redis.disconnect());

async function databaseExists(name: string) {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    return Boolean((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount);
  } finally {
    await c.end();
  }
}

describe('bench leftovers', () => {
  it('unlinks every key under the prefix over several SCAN pages, and no key of a longer prefix', async () => {
    const prefix = uniquePrefix();
    const mine = Array.from({ length: 2_500 }, (_, i) => `${prefix}:k${i}`);
    const others = [`${prefix}1:k`, `${prefix}`, `x${prefix}:k`];
    for (let i = 0; i < mine.length; i += 500) await redis.mset(...mine.slice(i, i + 500).flatMap((k) => [k, '1']));
    await redis.mset(...others.flatMap((k) => [k, '1']));
    try {
      expect(await unlinkPrefix(redis, prefix)).toBe(2_500);
      expect(await redis.exists(...mine.slice(0, 100))).toBe(0);
      expect(await redis.exists(...others)).toBe(others.length);
    } finally {
      await redis.unlink(...others);
    }
  });

  it('a glob character in a prefix matches only itself', async () => {
    const prefix = `${uniquePrefix()}*`;
    const sibling = `${prefix.slice(0, -1)}x:k`;
    await redis.mset(`${prefix}:k`, '1', sibling, '1');
    try {
      expect(await unlinkPrefix(redis, prefix)).toBe(1);
      expect(await redis.exists(sibling)).toBe(1);
    } finally {
      await redis.unlink(sibling);
    }
  });

  it('releaseAll removes the run\'s keys and drops the run\'s database', async () => {
    const prefix = keyPrefix('selftest');
    const url = await ownDatabase('selftest');
    const name = new URL(url).pathname.slice(1);
    await redis.set(`${prefix}:a`, '1');
    expect(await databaseExists(name)).toBe(true);
    await releaseAll();
    expect(await redis.exists(`${prefix}:a`)).toBe(0);
    expect(await databaseExists(name)).toBe(false);
  });
});

describe('bench rounds and flags', () => {
  it('judges the median round: the middle one, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 1, 4, 2])).toBe(3);
    expect(median([5, 7])).toBe(6);
  });

  it('reads integer flags and refuses anything else naming the flag', () => {
    expect(arg(['--jobs', '500'], 'jobs', 1)).toBe(500);
    expect(arg([], 'jobs', 7)).toBe(7);
    expect(() => arg(['--jobs', 'lots'], 'jobs', 1)).toThrow(new UsageError('--jobs: expected an integer ≥ 1, got "lots"'));
    expect(() => arg(['--jobs'], 'jobs', 1)).toThrow(/--jobs: expected an integer ≥ 1, got nothing/);
    expect(() => roundsArg(['--rounds', '1'])).toThrow(/--rounds: expected an integer ≥ 2/);
    expect(roundsArg([])).toBe(3);
  });
});
