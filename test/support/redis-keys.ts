// Test files leave nothing in Redis: every queue prefix a file takes (uniquePrefix) is remembered, and
// after the file's own teardown the keys under it are deleted, as its database is dropped.
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './services.js';

const taken = new Set<string>();

/** Remembers a prefix this test file uses; its keys are deleted after the file. */
export function takePrefix(prefix: string): string {
  taken.add(prefix);
  return prefix;
}

/** The prefixes this test file has taken so far. */
export const takenPrefixes = (): ReadonlySet<string> => taken;

/** Deletes every key named `<prefix>:…` (SCAN + UNLINK: never blocks Redis); returns how many. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<number> {
  // A prefix is literal: escape the glob characters SCAN MATCH would interpret.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Deletes the keys of every prefix taken so far (the integration tier's setup file runs it after each file). */
export async function deleteTakenKeys(): Promise<void> {
  if (!taken.size) return;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for (const prefix of taken) await deleteKeysUnder(redis, prefix);
    taken.clear();
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
