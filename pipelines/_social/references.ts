// What an event refers to must exist (and a post must not be deleted) before anything is written. The
// HTTP route answers 400 with the problem; the job fails for good with the same message, having written
// nothing. One query per event.
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import type { SocialEvent } from '../../queues/social-events.js';

export interface Problem {
  field: string;
  message: string;
}

/** The rows an event is about, read once for the check and reused by the handler. */
export interface Refs {
  post?: { id: number; author_id: number; body: string; kind: string; match_id: number | null; deleted_at: Date | null };
  comment?: { id: number; post_id: number; parent_id: number | null; author_id: number; deleted_at: Date | null; parent_author_id: number | null };
  users: Set<number>;
  match?: { id: number; home_team_id: number | null; away_team_id: number | null; competition_id: number | null };
}

async function load(ex: Executor, e: SocialEvent): Promise<Refs> {
  const userIds = [('actorId' in e ? e.actorId : undefined), ('userId' in e ? e.userId : undefined)].filter((v): v is number => v !== undefined);
  const postId = 'postId' in e ? e.postId : undefined;
  const commentId = 'commentId' in e ? e.commentId : undefined;
  const matchId = 'matchId' in e ? e.matchId : undefined;
  const r = await ex.one<{ users: number[]; post: Refs['post'] | null; comment: Refs['comment'] | null; post_of_comment: Refs['post'] | null; match: Refs['match'] | null }>(sql`
    SELECT
      ARRAY(SELECT id FROM users WHERE id = ANY(${sql.array(userIds, 'int')})) AS users,
      (SELECT to_jsonb(p) FROM (SELECT id, author_id, body, kind, match_id, deleted_at FROM posts WHERE id = ${postId ?? null}::int) p) AS post,
      (SELECT to_jsonb(c) FROM (SELECT c.id, c.post_id, c.parent_id, c.author_id, c.deleted_at, pc.author_id AS parent_author_id
         FROM comments c LEFT JOIN comments pc ON pc.id = c.parent_id WHERE c.id = ${commentId ?? null}::int) c) AS comment,
      (SELECT to_jsonb(p) FROM (SELECT p.id, p.author_id, p.body, p.kind, p.match_id, p.deleted_at FROM posts p JOIN comments c ON c.post_id = p.id WHERE c.id = ${commentId ?? null}::int) p) AS post_of_comment,
      (SELECT to_jsonb(m) FROM (SELECT id, home_team_id, away_team_id, competition_id FROM matches WHERE id = ${matchId ?? null}::int) m) AS match`);
  const post = r.post ?? r.post_of_comment ?? undefined;
  return { users: new Set(r.users), ...(post ? { post } : {}), ...(r.comment ? { comment: r.comment } : {}), ...(r.match ? { match: r.match } : {}) };
}

/** The first problem with the event's references, or the references. */
export async function checkReferences(ex: Executor, e: SocialEvent): Promise<{ problem: Problem } | { refs: Refs }> {
  const refs = await load(ex, e);
  const bad = (field: string, message: string) => ({ problem: { field, message } });
  if ('actorId' in e && !refs.users.has(e.actorId)) return bad('actorId', `user ${e.actorId} does not exist`);
  if ('userId' in e && !refs.users.has(e.userId)) return bad('userId', `user ${e.userId} does not exist`);
  if (e.type === 'follow' && e.actorId === e.userId) return bad('userId', 'a user cannot follow themselves');
  if ('commentId' in e && e.commentId !== undefined) {
    if (!refs.comment) return bad('commentId', `comment ${e.commentId} does not exist`);
    if (refs.comment.deleted_at && e.type !== 'unlike') return bad('commentId', `comment ${e.commentId} is deleted`);
  }
  if ('postId' in e && e.postId !== undefined && !refs.post) return bad('postId', `post ${e.postId} does not exist`);
  // A deleted post takes no likes or comments, and is not fanned out (post-deleted and unlike still apply).
  if (refs.post?.deleted_at && ['post-created', 'comment-created', 'like'].includes(e.type)) {
    return bad('commentId' in e && e.commentId !== undefined ? 'commentId' : 'postId', `post ${refs.post.id} is deleted`);
  }
  if ('matchId' in e && !refs.match) return bad('matchId', `match ${e.matchId} does not exist`);
  return { refs };
}
