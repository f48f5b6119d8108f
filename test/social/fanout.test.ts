// Large fan-outs through the real engine: chunks as child jobs of a flow on the large-audience lane,
// exactly once under repeats and retried chunks, celebrity posts merged into feeds at read time, deleted
// posts withdrawn.
import { describe, expect, it } from 'vitest';
import { socialFanoutChunk } from '../../queues/social-fanout-chunk.js';
import { sql } from '../../src/db/sql.js';
import { count, createPost, seedFollowers, seedUsers, sendEvent, settledJob, useSocialEngine } from './support.js';

// Chunks of 100; authors above 1,000 followers are celebrities.
const f = useSocialEngine({ SOCIAL_FANOUT_CHUNK_SIZE: '100', SOCIAL_CELEBRITY_FOLLOWERS: '1000' });

describe('a large fan-out', () => {
  it('runs 9 chunks on the large lane, notifies and feeds every follower exactly once, and a repeat adds nothing', async () => {
    await seedUsers(f.sql, 1, 2_000);
    await seedFollowers(f.sql, 1, 2, 901); // 900 followers: 9 chunks, not a celebrity
    await f.sql.execute(sql`INSERT INTO muted_actors (user_id, actor_id) SELECT i, 1 FROM generate_series(2, 901, 10) i`); // 90 muted
    const post = await createPost(f.sql, 1, 'big news');
    const job = await sendEvent(f, { type: 'post-created', postId: post });
    expect(job.result).toMatchObject({ lane: 'large', chunks: 9, recipients: 900, celebrity: false });
    const parent = await settledJob(f, 'social-fanout', `fanout-post-${post}`, 30_000);
    expect(parent.state).toBe('completed');
    expect(parent.progress).toBe(100);
    expect(parent.result).toMatchObject({ chunks: 9, done: 9, inserted: 810, feed: 900, complete: true });
    const dedupe = `post:${post}`;
    expect(await count(f.sql, sql`SELECT count(DISTINCT recipient_id) AS n FROM notifications WHERE dedupe_key = ${dedupe}`)).toBe(810);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${dedupe} AND recipient_id IN (SELECT user_id FROM muted_actors)`)).toBe(0);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${post}`)).toBe(900);

    // A duplicated event, and a chunk run again (a retry after its commit): both find the work done.
    const again = await sendEvent(f, { type: 'post-created', postId: post });
    expect(again.result).toMatchObject({ lane: 'large', chunks: 9, submitted: false });
    const rerun = await f.engine.producer.enqueue(socialFanoutChunk, { fanoutId: `post-${post}`, chunkNo: 4 });
    expect((await settledJob(f, 'social-fanout-chunk', rerun.id)).result).toEqual({ inserted: 0, feed: 0, skipped: true });
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${dedupe}`)).toBe(810);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${post}`)).toBe(900);

    // Withdrawn from every feed once deleted.
    await sendEvent(f, { type: 'post-deleted', postId: post });
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${post}`)).toBe(0);
    const feed = await f.engine.request('GET', '/social/feed/2');
    expect(feed.body.items.map((p: { id: number }) => p.id)).not.toContain(post);
  });

  it('merges a celebrity\'s posts into the feed at read time (no feed rows written), newest first, paged by before', async () => {
    await seedUsers(f.sql, 3_000, 4_200);
    await seedFollowers(f.sql, 3_000, 3_001, 4_200); // 1,200 followers: a celebrity
    await seedFollowers(f.sql, 3_001, 3_002, 3_010); // a small author followed by 3_002
    const small1 = await createPost(f.sql, 3_001, 'small one');
    const celeb = await createPost(f.sql, 3_000, 'celebrity');
    const small2 = await createPost(f.sql, 3_001, 'small two');
    const own = await createPost(f.sql, 3_002, 'mine');
    for (const postId of [small1, celeb, small2, own]) expect((await sendEvent(f, { type: 'post-created', postId })).state).toBe('completed');
    await settledJob(f, 'social-fanout', `fanout-post-${celeb}`, 30_000);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${celeb}`)).toBe(0);
    expect(await count(f.sql, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${`post:${celeb}`}`)).toBe(1_200);

    const first = await f.engine.request('GET', '/social/feed/3002?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((p: { id: number }) => p.id)).toEqual([own, small2]);
    const second = await f.engine.request('GET', `/social/feed/3002?limit=2&before=${first.body.next}`);
    expect(second.body.items.map((p: { id: number }) => p.id)).toEqual([celeb, small1]);
    expect(second.body.next).toBeNull();
    // A follower of the celebrity only.
    expect((await f.engine.request('GET', '/social/feed/4100')).body.items.map((p: { id: number }) => p.id)).toEqual([celeb]);
    expect((await f.engine.request('GET', '/social/feed/0')).status).toBe(400);
  });
});
