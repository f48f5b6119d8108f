// Exact counters. Each is recounted from its rows rather than incremented, with the counted row locked
// first: in READ COMMITTED the recount (a later statement) then sees every like or follow committed
// before the lock was taken, so whichever of two concurrent recounts runs last writes the true count,
// whether the backend or the engine inserted the row, and a repeated event changes nothing.
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { NOW } from './notify.js';

export async function recountPostLikes(t: Executor, postId: number) {
  await t.query(sql`SELECT 1 FROM posts WHERE id = ${postId} FOR UPDATE`);
  await t.execute(sql`UPDATE posts SET like_count = (SELECT count(*) FROM likes WHERE post_id = ${postId}) WHERE id = ${postId}`);
}

export async function recountCommentLikes(t: Executor, commentId: number) {
  await t.query(sql`SELECT 1 FROM comments WHERE id = ${commentId} FOR UPDATE`);
  await t.execute(sql`UPDATE comments SET like_count = (SELECT count(*) FROM likes WHERE comment_id = ${commentId}) WHERE id = ${commentId}`);
}

export async function recountComments(t: Executor, postId: number) {
  await t.query(sql`SELECT 1 FROM posts WHERE id = ${postId} FOR UPDATE`);
  await t.execute(sql`UPDATE posts SET comment_count = (SELECT count(*) FROM comments WHERE post_id = ${postId} AND deleted_at IS NULL) WHERE id = ${postId}`);
}

/** Follower count of `followee` and following count of `follower`; profiles are created when missing. */
export async function recountFollows(t: Executor, followerId: number, followeeId: number) {
  const ids = [followerId, followeeId].sort((a, b) => a - b); // one lock order: no deadlock between opposite follows
  await t.execute(sql`INSERT INTO user_profiles (user_id, updated_at) SELECT unnest(${sql.array(ids, 'int')}), ${NOW} ON CONFLICT DO NOTHING`);
  await t.query(sql`SELECT 1 FROM user_profiles WHERE user_id = ANY(${sql.array(ids, 'int')}) ORDER BY user_id FOR UPDATE`);
  await t.execute(sql`
    UPDATE user_profiles p SET
      follower_count = (SELECT count(*) FROM user_follows WHERE followee_id = p.user_id),
      following_count = (SELECT count(*) FROM user_follows WHERE follower_id = p.user_id),
      updated_at = ${NOW}
    WHERE p.user_id = ANY(${sql.array(ids, 'int')})`);
}
