// A real engine for the social tests: the social queues (fast retries), deps and routes, on a database
// of its own; plus seeding helpers that write users and follows set-based (generate_series).
import { afterAll, beforeAll } from 'vitest';
import { queues as allQueues } from '../../queues/index.js';
import { createSocialDeps } from '../../pipelines/_social/deps.js';
import { executor, type PoolExecutor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { socialRoutes } from '../../src/app/routes/social.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import { cloneTestDatabase, uniquePrefix, type TestDatabase } from '../support/db.js';
import { startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import pg from 'pg';

export const socialQueues: QueueDefinition[] = allQueues
  .filter((q) => q.name.startsWith('social-'))
  .map((q) => ({ ...q, retry: { attempts: q.retry.attempts, delayMs: 100, maxDelayMs: 400 } }));

export interface SocialFixture {
  engine: TestEngine;
  db: TestDatabase;
  sql: PoolExecutor;
  prefix: string;
}

/** `env` may be a function: read when the engine starts (after earlier beforeAll hooks, e.g. a fake server's start). */
export function useSocialEngine(env: Record<string, string> | (() => Record<string, string>) = {}): SocialFixture {
  const f = {} as SocialFixture;
  let pool: pg.Pool;
  beforeAll(async () => {
    f.db = await cloneTestDatabase();
    f.prefix = uniquePrefix();
    f.engine = await startTestEngine({
      databaseUrl: f.db.url, prefix: f.prefix, queues: socialQueues, env: { SCHEDULES_ENABLED: 'false', ...(typeof env === 'function' ? env() : env) },
      extendDeps: (base) => ({ ...createSocialDeps(base) }), extraRoutes: [socialRoutes],
    });
    pool = new pg.Pool({ connectionString: f.db.url, max: 4 });
    f.sql = executor(pool);
  });
  afterAll(async () => {
    await f.engine?.stop();
    await pool?.end();
    await f.db?.drop();
  });
  return f;
}

/** Users from..to (ids as given), with profiles. */
export async function seedUsers(ex: PoolExecutor, from: number, to: number) {
  await ex.execute(sql`INSERT INTO users (id, username, updated_at) SELECT i, 'u' || i, now() FROM generate_series(${from}::int, ${to}::int) i ON CONFLICT DO NOTHING`);
  await ex.execute(sql`INSERT INTO user_profiles (user_id) SELECT i FROM generate_series(${from}::int, ${to}::int) i ON CONFLICT DO NOTHING`);
}

/** Followers from..to of `authorId`, and the author's follower count. */
export async function seedFollowers(ex: PoolExecutor, authorId: number, from: number, to: number) {
  await ex.execute(sql`INSERT INTO user_follows (followee_id, follower_id) SELECT ${authorId}::int, i FROM generate_series(${from}::int, ${to}::int) i WHERE i <> ${authorId}::int ON CONFLICT DO NOTHING`);
  await ex.execute(sql`UPDATE user_profiles SET follower_count = (SELECT count(*) FROM user_follows WHERE followee_id = ${authorId}::int) WHERE user_id = ${authorId}::int`);
}

export async function createPost(ex: PoolExecutor, authorId: number, body = 'hello'): Promise<number> {
  const r = await ex.one<{ id: number }>(sql`INSERT INTO posts (author_id, body) VALUES (${authorId}, ${body}) RETURNING id`);
  return r.id;
}

export const count = async (ex: PoolExecutor, q: ReturnType<typeof sql>) => Number((await ex.one<{ n: string }>(q)).n);

/** Posts the event and waits for its job to settle; returns the job. */
export async function sendEvent(f: SocialFixture, body: unknown, timeoutMs = 15_000): Promise<any> {
  const res = await f.engine.request('POST', '/social/events', { body });
  if (res.status !== 202) throw new Error(`POST /social/events answered ${res.status}: ${JSON.stringify(res.body)}`);
  return settledJob(f, res.body.queue, res.body.id, timeoutMs);
}

export async function settledJob(f: SocialFixture, queue: string, id: string, timeoutMs = 15_000): Promise<any> {
  let last: unknown;
  return waitFor(async () => {
    const { body } = await f.engine.request('GET', `/jobs/${queue}/${id}`);
    last = body;
    return ['completed', 'failed'].includes(body?.state) ? body : null;
  }, timeoutMs, `${queue}/${id}`).catch((err: Error) => Promise.reject(new Error(`${err.message}; last: ${JSON.stringify(last)?.slice(0, 500)}`)));
}
