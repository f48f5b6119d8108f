// What a bench run creates outside its own process (Redis keys under its prefixes, a database of its
// own) is removed when the run ends, also when it fails or is interrupted, so runs never pile up state
// in the Redis and PostgreSQL other engineers share. The runner (index.ts) calls releaseAll().
import { Redis } from 'ioredis';
import { dropDatabase, ensureDatabase, withDatabase } from '../../src/db/admin.js';
import { fmt, REDIS_URL, SERVER_URL } from './support.js';

const prefixes = new Set<string>();
const databases = new Map<string, string>();

/** A Redis key prefix of this run (`bench-<name>-<pid>`): every key under it is removed at the end. */
export function keyPrefix(name: string): string {
  const prefix = `bench-${name}-${process.pid}`;
  prefixes.add(prefix);
  return prefix;
}

/**
 * A database of this run (`matchday_bench_<name>_<pid>`), created empty here (the engine migrates it at
 * start) and dropped at the end. One per run: runs in parallel never share rows.
 */
export async function ownDatabase(name: string): Promise<string> {
  const db = `matchday_bench_${name}_${process.pid}`;
  const url = withDatabase(SERVER_URL, db);
  databases.set(db, url);
  await dropDatabase(url, db); // left by an earlier run with this pid that was killed
  await ensureDatabase(url);
  return url;
}

/** SCAN + UNLINK of `<prefix>:*` (SCAN does not block Redis as KEYS would; UNLINK frees memory in the background). */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

export async function releaseAll(): Promise<void> {
  if (prefixes.size) {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
    try {
      for (const prefix of prefixes) console.log(`cleanup: removed ${fmt(await unlinkPrefix(redis, prefix))} Redis keys under ${prefix}:`);
      prefixes.clear();
    } finally {
      redis.disconnect();
    }
  }
  for (const [db, url] of databases) {
    await dropDatabase(url, db);
    console.log(`cleanup: dropped database ${db}`);
  }
  databases.clear();
}
