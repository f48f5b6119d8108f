// npm run bench -- fanout [--followers 1000000 --rounds 2]
// One post by a user with 1,000,000 followers (10 % muted or with the type switched off), fanned out by a
// worker process (test/social/social-replica.ts): time from the event to the last notification and
// home-feed row committed, against a raw INSERT … SELECT of the same rows with the same filters on the same
// database in the same round (tables emptied before each). Also: the worker's peak RSS, the delay of a
// small user's notification queued behind the celebrity's fan-out, and a kill -9 mid-fan-out with the
// final row count. The run's database and Redis keys are removed at the end (leftovers.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import pg from 'pg';
import { queues } from '../../queues/index.js';
import { socialEvents } from '../../queues/social-events.js';
import { loadConfig } from '../../src/config.js';
import { executor, type PoolExecutor } from '../../src/db/executor.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { sql } from '../../src/db/sql.js';
import { startEngine, type Engine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { keyPrefix, ownDatabase } from './leftovers.js';
import { API_KEY, arg, fmt, mb, REDIS_URL } from './support.js';

const AUTHOR = 1;
const CHUNK = 5_000;

interface Worker { child: ChildProcess; exited: Promise<void> }

function startWorker(prefix: string, databaseUrl: string): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/social/social-replica.ts'], {
    env: {
      ...process.env, NODE_ENV: 'test', REDIS_URL, DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, API_KEY, PORT: '0', HOST: '127.0.0.1', ROLE: 'worker',
      SCHEDULES_ENABLED: 'false', LOG_LEVEL: 'info', SOCIAL_FANOUT_CHUNK_SIZE: String(CHUNK), SOCIAL_FANOUT_CONCURRENCY: '2',
      // Above the author's audience: the whole million gets home-feed rows too (the hardest case).
      SOCIAL_CELEBRITY_FOLLOWERS: '2000000', WORKER_LOCK_DURATION_MS: '5000', WORKER_STALLED_INTERVAL_MS: '2000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => { if (String(c).includes('matchday engine started')) resolve({ child, exited }); });
    void exited.then(() => reject(new Error('worker exited during start-up')));
  });
}

/** The peak resident set of a process so far (VmHWM), in bytes. */
const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function seed(ex: PoolExecutor, followers: number) {
  const t0 = Date.now();
  const last = followers + 1;
  await ex.execute(sql`INSERT INTO users (id, username, updated_at) SELECT i, 'u' || i, now() FROM generate_series(1, ${last + 100}::int) i`);
  await ex.execute(sql`INSERT INTO user_profiles (user_id) SELECT i FROM generate_series(1, ${last + 100}::int) i`);
  await ex.execute(sql`INSERT INTO user_follows (followee_id, follower_id) SELECT ${AUTHOR}::int, i FROM generate_series(2, ${last}::int) i`);
  // 10 %: 5 % muted the author, 5 % switched new-post notifications off.
  await ex.execute(sql`INSERT INTO muted_actors (user_id, actor_id) SELECT i, ${AUTHOR}::int FROM generate_series(2, ${last}::int) i WHERE i % 20 = 0`);
  await ex.execute(sql`INSERT INTO notification_preferences (user_id, type, in_app) SELECT i, 'post', false FROM generate_series(2, ${last}::int) i WHERE i % 20 = 1`);
  // The small user: 50 followers.
  await ex.execute(sql`INSERT INTO user_follows (followee_id, follower_id) SELECT ${last + 1}::int, i FROM generate_series(${last + 2}::int, ${last + 51}::int) i`);
  await ex.execute(sql`UPDATE user_profiles SET follower_count = (SELECT count(*) FROM user_follows WHERE followee_id = user_id) WHERE user_id IN (${AUTHOR}, ${last + 1}::int)`);
  await ex.execute(sql`ANALYZE`);
  console.log(`seeded ${fmt(followers)} followers in ${fmt((Date.now() - t0) / 1000, 1)} s`);
  return { small: last + 1 };
}

const post = async (ex: PoolExecutor, author: number) => (await ex.one<{ id: number }>(sql`INSERT INTO posts (author_id, body) VALUES (${author}, 'bench post') RETURNING id`)).id;
const empty = (ex: PoolExecutor) => ex.execute(sql`TRUNCATE notifications, notification_actors, home_feed_items, fanouts, fanout_chunks`);
const n = async (ex: PoolExecutor, q: ReturnType<typeof sql>) => Number((await ex.one<{ n: string }>(q)).n);

/** The same rows, the same filters, as one INSERT … SELECT per table in one transaction. */
async function raw(ex: PoolExecutor, postId: number): Promise<number> {
  const t0 = performance.now();
  const client = await ex.pool.connect();
  try {
    await client.query('BEGIN');
    const r = sql`SELECT f.follower_id AS recipient FROM user_follows f WHERE f.followee_id = ${AUTHOR}::int
      AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = f.follower_id AND b.blocked_id = ${AUTHOR}::int)
      AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${AUTHOR}::int AND b.blocked_id = f.follower_id)`;
    const feed = sql`INSERT INTO home_feed_items (user_id, post_id, author_id) SELECT r.recipient, ${postId}::int, ${AUTHOR}::int FROM (${r}) r ON CONFLICT DO NOTHING`;
    const notes = sql`INSERT INTO notifications (recipient_id, type, actor_id, subject_type, subject_id, dedupe_key, payload, created_at, updated_at)
      SELECT r.recipient, 'post', ${AUTHOR}::int, 'post', ${postId}::int, ${`post:${postId}`}, '{}'::jsonb, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM (${r}) r
      WHERE NOT EXISTS (SELECT 1 FROM muted_actors m WHERE m.user_id = r.recipient AND m.actor_id = ${AUTHOR}::int)
        AND NOT EXISTS (SELECT 1 FROM notification_preferences p WHERE p.user_id = r.recipient AND p.type = 'post' AND NOT p.in_app)
      ON CONFLICT (recipient_id, dedupe_key) DO NOTHING`;
    await client.query(feed.text, [...feed.values]);
    await client.query(notes.text, [...notes.values]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return (performance.now() - t0) / 1000;
}

/** Enqueues the post event and waits until every chunk of its fan-out has committed. */
async function viaEngine(engine: Engine, ex: PoolExecutor, postId: number, during?: (doneShare: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await engine.producer.enqueue(socialEvents, { type: 'post-created', postId });
  const id = `post-${postId}`;
  for (;;) {
    const s = await ex.maybeOne<{ chunks: number; done: number }>(sql`SELECT f.chunks, (SELECT count(done_at) FROM fanout_chunks c WHERE c.fanout_id = f.id)::int AS done FROM fanouts f WHERE f.id = ${id}`);
    if (s && s.chunks > 0 && s.done === s.chunks) return (performance.now() - t0) / 1000;
    if (s && s.chunks > 0 && during) await during(s.done / s.chunks);
    await sleep(50);
  }
}

export async function run(args: string[]) {
  const followers = arg(args, 'followers', 1_000_000);
  const rounds = arg(args, 'rounds', 2);
  const expectedNotes = Array.from({ length: followers }, (_, k) => k + 2).filter((i) => i % 20 !== 0 && i % 20 !== 1).length;
  const DB_URL = await ownDatabase('fanout');
  await applyMigrations(DB_URL);
  const pool = new pg.Pool({ connectionString: DB_URL, max: 4 });
  const ex = executor(pool);
  const prefix = keyPrefix('fanout');
  const config = loadConfig({ REDIS_URL, DATABASE_URL: DB_URL, API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: prefix, ROLE: 'api', LOG_LEVEL: 'warn', SCHEDULES_ENABLED: 'false' });
  const devNull = new Writable({ write(_c, _e, cb) { cb(); } });
  const engine = await startEngine({ config, queues: queues.filter((q) => q.name.startsWith('social-')), log: createLogger('warn', [API_KEY], devNull), skipMigrations: true });
  let worker = await startWorker(prefix, DB_URL);
  try {
    const { small } = await seed(ex, followers);
    console.log(`fan-out of one post to ${fmt(followers)} followers (${fmt(expectedNotes)} notified, ${fmt(followers)} home-feed rows), chunks of ${fmt(CHUNK)}, 2 in flight`);
    const ratios: number[] = [];
    let smallDelay = 0;
    for (let round = 1; round <= rounds; round++) {
      await empty(ex);
      let smallSent = false;
      const engineS = await viaEngine(engine, ex, await post(ex, AUTHOR), async (share) => {
        if (smallSent || share < 0.2) return;
        smallSent = true;
        // A small user's post while the celebrity's chunks run: time until its 50 notifications are committed.
        const smallPost = await post(ex, small);
        const t0 = performance.now();
        await engine.producer.enqueue(socialEvents, { type: 'post-created', postId: smallPost });
        while ((await n(ex, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${`post:${smallPost}`}`)) < 50) await sleep(5);
        smallDelay = Math.max(smallDelay, (performance.now() - t0) / 1000);
      });
      const rows = await n(ex, sql`SELECT count(*) AS n FROM notifications WHERE actor_id = ${AUTHOR}::int`);
      const feedRows = await n(ex, sql`SELECT count(*) AS n FROM home_feed_items WHERE author_id = ${AUTHOR}::int`);
      await empty(ex);
      const rawS = await raw(ex, await post(ex, AUTHOR));
      const ratio = engineS / rawS;
      ratios.push(ratio);
      console.log(`round ${round}: engine ${fmt(engineS, 2)} s (${fmt(rows)} notifications, ${fmt(feedRows)} feed rows), raw INSERT … SELECT ${fmt(rawS, 2)} s: ratio ${fmt(ratio, 2)} (target ≤ 2.0) ${ratio <= 2 ? 'MET' : 'NOT MET'}`);
      if (rows !== expectedNotes || feedRows !== followers) console.log(`  row counts WRONG: expected ${fmt(expectedNotes)} and ${fmt(followers)}`);
    }
    console.log(`best ratio ${fmt(Math.min(...ratios), 2)} (target ≤ 2.0) ${Math.min(...ratios) <= 2 ? 'MET' : 'NOT MET'}`);
    console.log(`small user's notification behind the celebrity: ${fmt(smallDelay * 1000)} ms (target < 1 s) ${smallDelay < 1 ? 'MET' : 'NOT MET'}`);
    const rss = peakRss(worker.child.pid!);
    console.log(`worker peak RSS ${mb(rss)} (target < 300 MB) ${rss < 300 * 1024 * 1024 ? 'MET' : 'NOT MET'}`);

    // kill -9 mid-fan-out, then a fresh worker finishes it.
    await empty(ex);
    const killed = await post(ex, AUTHOR);
    let killedAt = -1;
    const t0 = performance.now();
    await viaEngine(engine, ex, killed, async (share) => {
      if (killedAt >= 0 || share < 0.3) return;
      killedAt = share;
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = await startWorker(prefix, DB_URL);
    });
    const total = await n(ex, sql`SELECT count(*) AS n FROM notifications WHERE dedupe_key = ${`post:${killed}`}`);
    const feed = await n(ex, sql`SELECT count(*) AS n FROM home_feed_items WHERE post_id = ${killed}`);
    const exact = total === expectedNotes && feed === followers;
    console.log(`kill -9 at ${fmt(killedAt * 100)} % of chunks, restarted: done in ${fmt((performance.now() - t0) / 1000, 1)} s; ${fmt(total)} notifications (expected ${fmt(expectedNotes)}), ${fmt(feed)} feed rows (expected ${fmt(followers)}) ${exact ? 'EXACT' : 'WRONG'}`);
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await engine.stop();
    await pool.end();
  }
}
