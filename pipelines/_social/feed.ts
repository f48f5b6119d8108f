// The home feed as the backend serves it: the posts fanned out into the user's home-feed rows, merged at
// read time with the posts of the celebrities they follow (never fanned out) and their own, newest first,
// paged by post id (`before`: ids grow with creation). Deleted posts and blocked authors are left out.
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';

export interface FeedPost {
  id: number;
  authorId: number;
  kind: string;
  matchId: number | null;
  body: string;
  likeCount: number;
  commentCount: number;
  createdAt: string;
  editedAt: string | null;
}

export async function readFeed(ex: Executor, o: { userId: number; before?: number; limit: number; celebrityFollowers: number }): Promise<{ items: FeedPost[]; next: number | null }> {
  // Each source is cut to one page before the merge: a page never reads more than 3 × limit ids.
  const before = o.before ?? 2 ** 31;
  const n = o.limit + 1;
  const rows = await ex.query<{ id: number; author_id: number; kind: string; match_id: number | null; body: string; like_count: number; comment_count: number; created_at: Date; edited_at: Date | null }>(sql`
    WITH ids AS (
      (SELECT h.post_id AS id FROM home_feed_items h WHERE h.user_id = ${o.userId} AND h.post_id < ${before}::bigint ORDER BY h.post_id DESC LIMIT ${n})
      UNION
      (SELECT c.id FROM user_follows f
         JOIN user_profiles pr ON pr.user_id = f.followee_id AND pr.follower_count > ${o.celebrityFollowers}
         CROSS JOIN LATERAL (SELECT id FROM posts WHERE author_id = f.followee_id AND id < ${before}::bigint AND deleted_at IS NULL ORDER BY id DESC LIMIT ${n}) c
       WHERE f.follower_id = ${o.userId})
      UNION
      (SELECT id FROM posts WHERE author_id = ${o.userId} AND id < ${before}::bigint AND deleted_at IS NULL ORDER BY id DESC LIMIT ${n})
    )
    SELECT p.id, p.author_id, p.kind, p.match_id, p.body, p.like_count, p.comment_count, p.created_at, p.edited_at
    FROM posts p JOIN ids ON ids.id = p.id
    WHERE p.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${o.userId} AND b.blocked_id = p.author_id)
    ORDER BY p.id DESC LIMIT ${n}`);
  const more = rows.length > o.limit;
  const page = rows.slice(0, o.limit);
  return {
    items: page.map((r) => ({
      id: r.id, authorId: r.author_id, kind: r.kind, matchId: r.match_id, body: r.body, likeCount: r.like_count, commentCount: r.comment_count,
      createdAt: r.created_at.toISOString(), editedAt: r.edited_at?.toISOString() ?? null,
    })),
    next: more ? page.at(-1)!.id : null,
  };
}
