// The analytics pool: long scans get connections of their own, with a statement timeout, so they can
// neither run unbounded nor take the connections the hot paths and the job bookkeeping need.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { cloneTestDatabase, uniquePrefix } from '../support/db.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let engine: TestEngine;

beforeAll(async () => {
  db = await cloneTestDatabase();
  engine = await startTestEngine({
    databaseUrl: db.url, prefix: uniquePrefix(),
    env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'test-echo', ANALYTICS_POOL_SIZE: '2', ANALYTICS_STATEMENT_TIMEOUT_MS: '2500' },
  });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

const elapsed = async (p: Promise<unknown>) => {
  const t = performance.now();
  await p;
  return performance.now() - t;
};

describe('the analytics pool', () => {
  it('cancels a statement that runs past ANALYTICS_STATEMENT_TIMEOUT_MS; the main pool has no such limit', async () => {
    const { analytics, sql: main } = engine.deps;
    const t = performance.now();
    await expect(analytics.query(sql`SELECT pg_sleep(20)`)).rejects.toThrow(/canceling statement due to statement timeout/);
    const took = performance.now() - t;
    expect(took).toBeGreaterThanOrEqual(2_400);
    expect(took).toBeLessThan(10_000);
    expect(await main.one<{ ok: number }>(sql`SELECT 1 AS ok FROM pg_sleep(3)`)).toEqual({ ok: 1 });
  });

  it('when saturated, does not delay a bookkeeping statement on the main pool', async () => {
    const { analytics, sql: main } = engine.deps;
    // Both analytics connections busy for 2 s, two more scans queued behind them.
    const scans = Array.from({ length: 4 }, () => analytics.query(sql`SELECT pg_sleep(2)`));
    await new Promise((r) => setTimeout(r, 300));
    const busy = await main.one<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'matchday-analytics' AND state = 'active'`);
    expect(busy.n).toBe(2); // saturated: ANALYTICS_POOL_SIZE connections, all running
    // A job's pipeline-run row goes through the main pool meanwhile, at once.
    const bookkeeping = await elapsed(main.execute(sql`
      INSERT INTO pipeline_runs (queue, job_id, job_created_at, run, attempt, status, started_at, finished_at, duration_ms, counts)
      VALUES ('test-echo', 'analytics-saturated', now(), 1, 1, 'SUCCEEDED', now(), now(), 0, '{}')`));
    expect(bookkeeping).toBeLessThan(1_000);
    // …while one more scan on the analytics pool waits for a free connection.
    const queued = await elapsed(analytics.query(sql`SELECT 1`));
    expect(queued).toBeGreaterThan(1_000);
    await Promise.all(scans);
  });

  it('is closed with the engine', async () => {
    const e = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'test-echo' } });
    await e.deps.analytics.query(sql`SELECT 1`);
    expect(e.deps.analytics.pool.totalCount).toBe(1);
    await e.stop();
    expect(e.deps.analytics.pool.totalCount).toBe(0);
    expect((e.deps.analytics.pool as unknown as { ended: boolean }).ended).toBe(true);
  });
});
