// kill -9 of the worker in the middle of a fan-out (real processes): a second worker takes the killed
// worker's chunk once its lock expires, committed chunks are not redone, and every follower ends up
// notified and fed exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { executor, type PoolExecutor } from '../../src/db/executor.js';
import { cloneTestDatabase, uniquePrefix, type TestDatabase } from '../support/db.js';
import { startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { startReplica, stopReplica, type Replica } from '../support/processes.js';
import { createSocialDeps } from '../../pipelines/_social/deps.js';
import { socialRoutes } from '../../src/app/routes/social.js';
import { count, createPost, seedFollowers, seedUsers, socialQueues } from './support.js';
import pg from 'pg';

const FOLLOWERS = 60_000;
let db: TestDatabase;
let prefix: string;
let api: TestEngine;
let pool: pg.Pool;
let ex: PoolExecutor;
const replicas: Replica[] = [];

beforeAll(async () => {
  db = await cloneTestDatabase();
  prefix = uniquePrefix();
  // HTTP only: the work is done by the replica processes.
  api = await startTestEngine({ databaseUrl: db.url, prefix, queues: socialQueues, env: { ROLE: 'api' }, extendDeps: (base) => ({ ...createSocialDeps(base) }), extraRoutes: [socialRoutes] });
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  ex = executor(pool);
});

afterAll(async () => {
  for (const r of replicas) await stopReplica(r, 'SIGKILL');
  await api?.stop();
  await pool?.end();
  await db?.drop();
});

const worker = () => startReplica({
  DATABASE_URL: db.url, QUEUE_PREFIX: prefix, SCHEDULES_ENABLED: 'false', SOCIAL_FANOUT_CHUNK_SIZE: '2000', SOCIAL_FANOUT_CONCURRENCY: '1',
  WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000',
}, 'test/social/social-replica.ts');

describe('kill -9 mid-fan-out', () => {
  it('ends with every follower notified and fed exactly once', async () => {
    await seedUsers(ex, 1, FOLLOWERS + 1);
    await seedFollowers(ex, 1, 2, FOLLOWERS + 1);
    const post = await createPost(ex, 1);
    const first = await worker();
    replicas.push(first);
    const res = await api.request('POST', '/social/events', { body: { type: 'post-created', postId: post } });
    expect(res.status).toBe(202);
    const fanoutId = `post-${post}`;
    // Some chunks committed, not all: kill the worker there.
    await waitFor(async () => (await count(ex, sql`SELECT count(done_at) AS n FROM fanout_chunks WHERE fanout_id = ${fanoutId}`)) >= 3, 60_000, 'three chunks done');
    first.child.kill('SIGKILL');
    await first.exited;
    const doneAtKill = await count(ex, sql`SELECT count(done_at) AS n FROM fanout_chunks WHERE fanout_id = ${fanoutId}`);
    expect(doneAtKill).toBeLessThan(30);
    const second = await worker();
    replicas.push(second);
    await waitFor(async () => (await ex.maybeOne(sql`SELECT 1 FROM fanouts WHERE id = ${fanoutId} AND completed_at IS NOT NULL`)) !== null, 90_000, 'fan-out complete');
    expect(await count(ex, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${`post:${post}`}`)).toBe(FOLLOWERS);
    expect(await count(ex, sql`SELECT count(DISTINCT recipient_id) AS n FROM notifications WHERE dedupe_key = ${`post:${post}`}`)).toBe(FOLLOWERS);
    expect(await count(ex, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${post}`)).toBe(FOLLOWERS);
    // The checkpoints account for every row: no chunk wrote twice.
    expect(await count(ex, sql`SELECT sum(inserted) AS n FROM fanout_chunks WHERE fanout_id = ${fanoutId}`)).toBe(FOLLOWERS);
    await stopReplica(second);
  }, 180_000);
});
