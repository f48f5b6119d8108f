// Test files leave nothing in Redis: every queue prefix a file takes (uniquePrefix) is remembered, and
// after the file's own teardown the keys under it are deleted, as its database is dropped.
import { Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../../src/redis.js';
import { TEST_REDIS_URL } from './services.js';

const taken = new Set<string>();

/** Remembers a prefix this test file uses; its keys are deleted after the file. */
export function takePrefix(prefix: string): string {
  taken.add(prefix);
  return prefix;
}

/** The prefixes this test file has taken so far. */
export const takenPrefixes = (): ReadonlySet<string> => taken;

/**
 * Deletes every key named `<prefix>:…` (SCAN + UNLINK: never blocks Redis); returns how many. On a Redis
 * Cluster SCAN sees one node's keys only: every master is scanned, and keys are unlinked one by one (a
 * prefix without a hash tag spreads over slots, and a multi-key UNLINK across slots is refused).
 */
export async function deleteKeysUnder(redis: RedisClient, prefix: string): Promise<number> {
  // A prefix is literal: escape the glob characters SCAN MATCH would interpret.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
  const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (!keys.length) continue;
      if (!isCluster(redis)) deleted += await node.unlink(...keys);
      else for (const k of keys) deleted += await node.unlink(k);
    } while (cursor !== '0');
  }
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
    // Every command was awaited: the socket closes now, not when the server's close after QUIT arrives
    // (the leak guard runs right after this).
    redis.disconnect();
  }
}
