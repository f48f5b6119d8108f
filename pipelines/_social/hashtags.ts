// Hashtags of a post: extracted here (pure), stored and counted set-based.
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { NOW } from './notify.js';

const TAG = /(^|[^\p{L}\p{N}_#])#(\p{L}[\p{L}\p{N}_]{0,49})/gu;
export const MAX_TAGS_PER_POST = 20;

/** Distinct tags, lower-cased, in order of first appearance: "#COYS and #coys" is one tag. */
export function extractHashtags(body: string): string[] {
  const seen = new Set<string>();
  for (const m of body.matchAll(TAG)) {
    seen.add(m[2]!.normalize('NFC').toLowerCase());
    if (seen.size === MAX_TAGS_PER_POST) break;
  }
  return [...seen];
}

/**
 * Links a post to its tags and counts each tag once per post: only links this call inserted increment
 * `post_count` (under the row lock of the UPDATE), so a repeated event counts nothing twice.
 */
export async function storeHashtags(t: Executor, postId: number, tags: readonly string[]): Promise<number> {
  if (!tags.length) return 0;
  await t.execute(sql`INSERT INTO hashtags (tag, created_at) SELECT unnest(${sql.array(tags, 'text')}), ${NOW} ON CONFLICT (tag) DO NOTHING`);
  return t.execute(sql`
    WITH l AS (
      INSERT INTO post_hashtags (post_id, hashtag_id) SELECT ${postId}, h.id FROM hashtags h WHERE h.tag = ANY(${sql.array(tags, 'text')})
      ON CONFLICT DO NOTHING RETURNING hashtag_id
    )
    UPDATE hashtags SET post_count = post_count + 1 WHERE id IN (SELECT hashtag_id FROM l)`);
}
