// What each social event does: counters and hashtags, then who is notified (the author's followers for
// a post, the post's author and earlier commenters for a comment, the parent comment's author for a
// reply, the liked or followed user, coalesced). The fan-out of an audience above one chunk is planned
// here and handed to the social-fanout lane.
import { tx } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { SocialEvent } from '../../queues/social-events.js';
import { coalesce } from './coalesce.js';
import { queueDeliveries } from './deliver.js';
import { recountCommentLikes, recountComments, recountFollows, recountPostLikes } from './counters.js';
import type { SocialEngineDeps } from './deps.js';
import { startFanout } from './start-fanout.js';
import { extractHashtags, storeHashtags } from './hashtags.js';
import { notifyAudience, NOW, usersAudience } from './notify.js';
import { checkReferences, type Refs } from './references.js';
import { settleMatch } from './settle.js';

type Of<T extends SocialEvent['type']> = Extract<SocialEvent, { type: T }>;

const EXCERPT_CHARS = 140;

export async function handleSocialEvent(deps: SocialEngineDeps, e: SocialEvent): Promise<Record<string, unknown>> {
  const checked = await checkReferences(deps.sql, e);
  if ('problem' in checked) throw new NonRetryableError(`${e.type}: ${checked.problem.field}: ${checked.problem.message}`);
  const refs = checked.refs;
  switch (e.type) {
    case 'post-created': return postCreated(deps, refs);
    case 'post-deleted': return postDeleted(deps, e);
    case 'comment-created': return commentCreated(deps, refs);
    case 'like': return like(deps, e, refs);
    case 'unlike': return unlike(deps, e);
    case 'follow': return follow(deps, e);
    case 'unfollow': return unfollow(deps, e);
    case 'prediction-settled': return settleMatch(deps, e, refs);
    case 'match-event': return matchEvent(deps, e, refs);
  }
}

async function postCreated(deps: SocialEngineDeps, refs: Refs) {
  const post = refs.post!;
  const tags = extractHashtags(post.body);
  await tx(deps.sql, (t) => storeHashtags(t, post.id, tags));
  const author = await deps.sql.maybeOne<{ follower_count: number }>(sql`SELECT follower_count FROM user_profiles WHERE user_id = ${post.author_id}`);
  // A celebrity's post is merged into feeds at read time (GET /social/feed) instead of copied into millions.
  const celebrity = (author?.follower_count ?? 0) > deps.config.SOCIAL_CELEBRITY_FOLLOWERS;
  const fanout = await startFanout(deps, {
    id: `post-${post.id}`, audience: 'followers', sourceId: post.author_id,
    type: 'post', actorId: post.author_id, subjectType: 'post', subjectId: post.id, dedupeKey: `post:${post.id}`,
    payload: { postId: String(post.id), authorId: String(post.author_id), kind: post.kind, excerpt: post.body.slice(0, EXCERPT_CHARS) },
    feedPostId: celebrity ? null : post.id,
  });
  return { hashtags: tags.length, celebrity, ...fanout };
}

/** Withdraws the post from every home feed (the readers also skip deleted posts). */
async function postDeleted(deps: SocialEngineDeps, e: Of<'post-deleted'>) {
  await deps.sql.execute(sql`UPDATE posts SET deleted_at = coalesce(deleted_at, ${NOW}) WHERE id = ${e.postId}`);
  const withdrawn = await deps.sql.execute(sql`DELETE FROM home_feed_items WHERE post_id = ${e.postId}`);
  return { withdrawn };
}

async function commentCreated(deps: SocialEngineDeps, refs: Refs) {
  const c = refs.comment!;
  const post = refs.post!;
  await tx(deps.sql, (t) => recountComments(t, post.id));
  const reply = c.parent_id !== null;
  const spec = {
    type: reply ? 'reply' : 'comment', actorId: c.author_id, subjectType: 'comment', subjectId: c.id, dedupeKey: `comment:${c.id}`,
    payload: { postId: String(post.id), commentId: String(c.id), ...(reply ? { parentId: String(c.parent_id) } : {}) }, feedPostId: null,
  };
  // A reply notifies the parent comment's author; a comment the post's author and everyone who commented before.
  const audience = reply
    ? usersAudience(c.parent_author_id === null ? [] : [c.parent_author_id])
    : sql`SELECT ${post.author_id}::int AS recipient, '{}'::jsonb AS extra
          UNION SELECT DISTINCT author_id, '{}'::jsonb FROM comments WHERE post_id = ${post.id} AND id < ${c.id} AND deleted_at IS NULL`;
  const written = await notifyAudience(deps.sql, spec, audience);
  deps.realtime.notify(written.groups);
  deps.socialMetrics.notifications.inc({ type: spec.type }, written.inserted);
  for (const g of written.groups) await queueDeliveries(deps, { dedupeKey: g.message.dedupeKey, recipients: g.recipients });
  return { notified: written.inserted };
}

async function like(deps: SocialEngineDeps, e: Of<'like'>, refs: Refs) {
  const onPost = e.postId !== undefined;
  // The backend may have written the like already: inserting it again is a no-op, and the recount is exact either way.
  await tx(deps.sql, async (t) => {
    // The liked row is locked before the like is written: the like's foreign key takes a share lock on
    // it, and two transactions each holding that share lock and then asking for the update lock deadlock.
    await t.query(onPost ? sql`SELECT 1 FROM posts WHERE id = ${e.postId!} FOR UPDATE` : sql`SELECT 1 FROM comments WHERE id = ${e.commentId!} FOR UPDATE`);
    await t.execute(onPost
      ? sql`INSERT INTO likes (user_id, post_id, created_at) VALUES (${e.actorId}, ${e.postId!}, ${NOW}) ON CONFLICT DO NOTHING`
      : sql`INSERT INTO likes (user_id, comment_id, created_at) VALUES (${e.actorId}, ${e.commentId!}, ${NOW}) ON CONFLICT DO NOTHING`);
    await (onPost ? recountPostLikes(t, e.postId!) : recountCommentLikes(t, e.commentId!));
  });
  const subjectType = onPost ? 'post' : 'comment';
  const subjectId = onPost ? e.postId! : e.commentId!;
  const recipientId = onPost ? refs.post!.author_id : refs.comment!.author_id;
  const message = await coalesce(deps.sql, {
    recipientId, type: 'like', actorId: e.actorId, subjectType, subjectId, dedupeBase: `like:${subjectType}:${subjectId}`,
    payload: { [`${subjectType}Id`]: String(subjectId), ...(onPost ? {} : { postId: String(refs.comment!.post_id) }) },
  }, deps.config.SOCIAL_COALESCE_WINDOW_MS);
  if (message) {
    deps.realtime.notify([{ recipients: [recipientId], message }]);
    deps.socialMetrics.notifications.inc({ type: 'like' });
    // Push and email once per coalesced row (its first actor), not once per like.
    if (message.actorCount === 1) await queueDeliveries(deps, { dedupeKey: message.dedupeKey, recipients: [recipientId] });
  }
  return { notified: message ? 1 : 0, actorCount: message?.actorCount ?? null };
}

async function unlike(deps: SocialEngineDeps, e: Of<'unlike'>) {
  await tx(deps.sql, async (t) => {
    await t.query(e.postId !== undefined ? sql`SELECT 1 FROM posts WHERE id = ${e.postId} FOR UPDATE` : sql`SELECT 1 FROM comments WHERE id = ${e.commentId!} FOR UPDATE`);
    if (e.postId !== undefined) {
      await t.execute(sql`DELETE FROM likes WHERE user_id = ${e.actorId} AND post_id = ${e.postId}`);
      await recountPostLikes(t, e.postId);
    } else {
      await t.execute(sql`DELETE FROM likes WHERE user_id = ${e.actorId} AND comment_id = ${e.commentId!}`);
      await recountCommentLikes(t, e.commentId!);
    }
  });
  return { notified: 0 };
}

async function follow(deps: SocialEngineDeps, e: Of<'follow'>) {
  await tx(deps.sql, async (t) => {
    await t.execute(sql`INSERT INTO user_follows (followee_id, follower_id, created_at) VALUES (${e.userId}, ${e.actorId}, ${NOW}) ON CONFLICT DO NOTHING`);
    await recountFollows(t, e.actorId, e.userId);
  });
  const message = await coalesce(deps.sql, {
    recipientId: e.userId, type: 'follow', actorId: e.actorId, subjectType: 'user', subjectId: e.userId, dedupeBase: 'follow',
    payload: { followerId: String(e.actorId) },
  }, deps.config.SOCIAL_COALESCE_WINDOW_MS);
  if (message) {
    deps.realtime.notify([{ recipients: [e.userId], message }]);
    deps.socialMetrics.notifications.inc({ type: 'follow' });
    if (message.actorCount === 1) await queueDeliveries(deps, { dedupeKey: message.dedupeKey, recipients: [e.userId] });
  }
  return { notified: message ? 1 : 0, actorCount: message?.actorCount ?? null };
}

async function unfollow(deps: SocialEngineDeps, e: Of<'unfollow'>) {
  await tx(deps.sql, async (t) => {
    await t.execute(sql`DELETE FROM user_follows WHERE followee_id = ${e.userId} AND follower_id = ${e.actorId}`);
    await recountFollows(t, e.actorId, e.userId);
  });
  return { notified: 0 };
}

/** Kick-off, goal, full time: the followers of either team, once each (one dedupe key for both teams). */
async function matchEvent(deps: SocialEngineDeps, e: Of<'match-event'>, refs: Refs) {
  const m = refs.match!;
  const teams = [...new Set([m.home_team_id, m.away_team_id].filter((t): t is number => t !== null))];
  const out: Record<string, unknown> = {};
  for (const teamId of teams) {
    out[`team${teamId}`] = await startFanout(deps, {
      id: `match-${m.id}-${e.eventKey.replace(/[^A-Za-z0-9_-]/g, '.')}-team-${teamId}`, audience: 'team-followers', sourceId: teamId,
      type: 'match-event', actorId: null, subjectType: 'match', subjectId: m.id, dedupeKey: `match:${m.id}:${e.eventKey}`,
      payload: { matchId: String(m.id), kind: e.kind, homeScore: e.homeScore, awayScore: e.awayScore }, feedPostId: null,
    });
  }
  return out;
}
