// Social events through the real engine: bad input (400 naming the problem; as a job a non-retryable
// failure with nothing written), recipient rules, exact counters, hashtags, coalescing under concurrency.
import { describe, expect, it } from 'vitest';
import { socialEvents } from '../../queues/social-events.js';
import { sql } from '../../src/db/sql.js';
import { count, createPost, seedFollowers, seedUsers, sendEvent, settledJob, useSocialEngine } from './support.js';

const f = useSocialEngine();

describe('POST /social/events', () => {
  it('answers 400 naming the problem: unknown type, missing actor, missing or deleted post', async () => {
    await seedUsers(f.sql, 1, 3);
    const post = await createPost(f.sql, 1);
    const deleted = await createPost(f.sql, 1);
    await f.sql.execute(sql`UPDATE posts SET deleted_at = now() WHERE id = ${deleted}`);
    const cases: Array<[unknown, RegExp]> = [
      [{ type: 'poke', actorId: 1 }, /type/],
      [{ type: 'like', postId: post }, /actorId/],
      [{ type: 'like', actorId: 1, postId: post, commentId: 5 }, /postId: give exactly one of postId or commentId/],
      [{ type: 'like', actorId: 999, postId: post }, /actorId: user 999 does not exist/],
      [{ type: 'like', actorId: 2, postId: 424242 }, /postId: post 424242 does not exist/],
      [{ type: 'like', actorId: 2, postId: deleted }, new RegExp(`postId: post ${deleted} is deleted`)],
      [{ type: 'follow', actorId: 2, userId: 2 }, /userId: a user cannot follow themselves/],
      [{ type: 'post-created', postId: 2_147_483_648 }, /postId/],
    ];
    for (const [body, re] of cases) {
      const res = await f.engine.request('POST', '/social/events', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatch(re);
    }
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM likes`)).toBe(0);
  });

  it('as a job, a like on a post deleted since fails at once, non-retryable, and writes nothing', async () => {
    await seedUsers(f.sql, 10, 11);
    const post = await createPost(f.sql, 10);
    // Accepted by the route's check, then deleted before its job ran: enqueued here as the route would.
    await f.sql.execute(sql`UPDATE posts SET deleted_at = now() WHERE id = ${post}`);
    const { id } = await f.engine.producer.enqueue(socialEvents, { type: 'like', actorId: 11, postId: post });
    const job = await settledJob(f, 'social-events', id);
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.failedReason).toMatch(new RegExp(`postId: post ${post} is deleted`));
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM likes WHERE post_id = ${post}`)).toBe(0);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM notifications WHERE recipient_id = 10`)).toBe(0);
  });
});

describe('a post by a small user', () => {
  it('notifies each follower once, not the author, not muting, blocking or opted-out followers; feeds and hashtags once', async () => {
    await seedUsers(f.sql, 100, 160);
    await seedFollowers(f.sql, 100, 101, 160);
    await f.sql.execute(sql`INSERT INTO muted_actors (user_id, actor_id) VALUES (101, 100)`);
    await f.sql.execute(sql`INSERT INTO blocks (blocker_id, blocked_id) VALUES (102, 100), (100, 103)`);
    await f.sql.execute(sql`INSERT INTO notification_preferences (user_id, type, in_app) VALUES (104, 'post', false), (105, 'like', false)`);
    const post = await createPost(f.sql, 100, 'Derby day #COYS #coys #NLD!');
    const job = await sendEvent(f, { type: 'post-created', postId: post });
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ lane: 'inline', recipients: 60, hashtags: 2 });
    const notified = await f.sql.query<{ recipient_id: number }>(sql`SELECT recipient_id FROM notifications WHERE dedupe_key = ${`post:${post}`} ORDER BY recipient_id`);
    const expected = Array.from({ length: 60 }, (_, i) => 101 + i).filter((u) => ![101, 102, 103, 104].includes(u));
    expect(notified.map((r) => r.recipient_id)).toEqual(expected);
    // Feeds: mutes and opt-outs still see the post in their feed; blocks in either direction do not.
    const feeds = await count(f.sql, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${post}`);
    expect(feeds).toBe(58);
    // The same event again (and a retried job): nothing twice.
    const again = await sendEvent(f, { type: 'post-created', postId: post });
    expect(again.state).toBe('completed');
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${`post:${post}`}`)).toBe(expected.length);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${post}`)).toBe(58);
    const tags = await f.sql.query<{ tag: string; post_count: number }>(sql`SELECT tag, post_count FROM hashtags ORDER BY tag`);
    expect(tags).toEqual([{ tag: 'coys', post_count: 1 }, { tag: 'nld', post_count: 1 }]);
  });

  it('notifies a comment to the post author and earlier commenters, a reply to the parent comment author only', async () => {
    await seedUsers(f.sql, 200, 204);
    const post = await createPost(f.sql, 200);
    const c1 = (await f.sql.one<{ id: number }>(sql`INSERT INTO comments (post_id, author_id, body) VALUES (${post}, 201, 'first') RETURNING id`)).id;
    await sendEvent(f, { type: 'comment-created', commentId: c1 });
    const c2 = (await f.sql.one<{ id: number }>(sql`INSERT INTO comments (post_id, author_id, body) VALUES (${post}, 202, 'second') RETURNING id`)).id;
    await sendEvent(f, { type: 'comment-created', commentId: c2 });
    const r1 = (await f.sql.one<{ id: number }>(sql`INSERT INTO comments (post_id, parent_id, author_id, body) VALUES (${post}, ${c1}, 203, 'reply') RETURNING id`)).id;
    await sendEvent(f, { type: 'comment-created', commentId: r1 });
    const rows = await f.sql.query<{ recipient_id: number; type: string; subject_id: number }>(sql`SELECT recipient_id, type, subject_id FROM notifications WHERE recipient_id BETWEEN 200 AND 204 ORDER BY subject_id, recipient_id`);
    expect(rows).toEqual([
      { recipient_id: 200, type: 'comment', subject_id: c1 },
      { recipient_id: 200, type: 'comment', subject_id: c2 },
      { recipient_id: 201, type: 'comment', subject_id: c2 },
      { recipient_id: 201, type: 'reply', subject_id: r1 },
    ]);
    expect((await f.sql.one<{ comment_count: number }>(sql`SELECT comment_count FROM posts WHERE id = ${post}`)).comment_count).toBe(3);
  });
});

describe('coalescing', () => {
  it('40 concurrent likes (each sent twice) make one notification counting 40 actors, and an exact like count', async () => {
    await seedUsers(f.sql, 300, 340);
    const post = await createPost(f.sql, 300);
    const likers = Array.from({ length: 40 }, (_, i) => 301 + i);
    const sends = [...likers, ...likers].map((actorId) => f.engine.request('POST', '/social/events', { body: { type: 'like', actorId, postId: post } }));
    const ids = (await Promise.all(sends)).map((r) => { expect(r.status).toBe(202); return r.body.id as string; });
    for (const id of ids) expect((await settledJob(f, 'social-events', id)).state).toBe('completed');
    const rows = await f.sql.query<{ actor_count: number; type: string }>(sql`SELECT actor_count, type FROM notifications WHERE recipient_id = 300`);
    expect(rows).toEqual([{ actor_count: 40, type: 'like' }]);
    expect((await f.sql.one<{ like_count: number }>(sql`SELECT like_count FROM posts WHERE id = ${post}`)).like_count).toBe(40);
    await sendEvent(f, { type: 'unlike', actorId: 301, postId: post });
    expect((await f.sql.one<{ like_count: number }>(sql`SELECT like_count FROM posts WHERE id = ${post}`)).like_count).toBe(39);
  });

  it('follows coalesce too, and follower counts stay exact', async () => {
    await seedUsers(f.sql, 400, 410);
    for (const actorId of [401, 402, 403, 401]) await sendEvent(f, { type: 'follow', actorId, userId: 400 });
    expect(await f.sql.query(sql`SELECT actor_count, type FROM notifications WHERE recipient_id = 400`)).toEqual([{ actor_count: 3, type: 'follow' }]);
    expect((await f.sql.one<{ follower_count: number }>(sql`SELECT follower_count FROM user_profiles WHERE user_id = 400`)).follower_count).toBe(3);
    await sendEvent(f, { type: 'unfollow', actorId: 402, userId: 400 });
    expect((await f.sql.one<{ follower_count: number; following_count: number }>(sql`SELECT follower_count, following_count FROM user_profiles WHERE user_id = 400`)).follower_count).toBe(2);
    expect((await f.sql.one<{ following_count: number }>(sql`SELECT following_count FROM user_profiles WHERE user_id = 401`)).following_count).toBe(1);
  });
});
