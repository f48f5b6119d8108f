// Group commit of the per-job statements, and bulk enqueue: the round-trip savings on every job's path.
import { sleepy } from './support/queues.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesce } from '../src/db/coalesce.js';
import { ASYNC_COMMIT, sql } from '../src/db/sql.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, type TestEngine } from './support/engine.js';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let pool: pg.Pool;
let engine: TestEngine;

beforeAll(async () => {
  db = await cloneTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  engine = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'test-sleep' } });
});
afterAll(async () => {
  await engine?.stop();
  await pool?.end();
  await db?.drop();
});

describe('coalesce', () => {
  it('sends the calls of one event-loop turn as one batch, and the calls that arrive while it is in flight as the next', async () => {
    const batches: number[][] = [];
    const square = coalesce(async (xs: number[]) => {
      batches.push(xs);
      const { rows } = await pool.query<{ y: number }>('SELECT x * x AS y FROM unnest($1::int[]) WITH ORDINALITY AS t(x, i) ORDER BY i', [xs]);
      return rows.map((r) => r.y);
    });
    expect(await square(3)).toBe(9);
    expect(batches).toEqual([[3]]);
    await new Promise((r) => setImmediate(r)); // idle again
    const first = Promise.all([1, 2, 4].map((x) => square(x)));
    // Arrives after the first batch went out (it waits in PostgreSQL now): it goes as the next batch.
    while (batches.length < 2) await new Promise((r) => setImmediate(r));
    const later = Promise.all([5, 6].map((x) => square(x)));
    expect(await first).toEqual([1, 4, 16]);
    expect(await later).toEqual([25, 36]);
    expect(batches.slice(1)).toEqual([[1, 2, 4], [5, 6]]);
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const echo = coalesce(async (xs: number[]) => {
      sizes.push(xs.length);
      await new Promise((r) => setTimeout(r, 5));
      return xs;
    }, { maxBatch: 3 });
    expect(await Promise.all(Array.from({ length: 8 }, (_, i) => echo(i)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([3, 3, 2]);
  });

  it('fails only the caller whose item broke the batch', async () => {
    const insert = coalesce(async (xs: string[]) => {
      await pool.query('SELECT $1::int[]', [xs]); // "x" is not an int: the whole batch fails
      return xs.map(Number);
    });
    const settled = await Promise.allSettled(['1', '2', 'x', '4'].map((x) => insert(x)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason.message).toMatch(/invalid input syntax for type integer/);
    expect(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))).toEqual([1, 2, 4]);
  });
});

describe('ASYNC_COMMIT', () => {
  it('turns off the WAL-flush wait for its own statement only', async () => {
    // Both statements on one connection, to see that the setting does not outlive the first.
    const client = await pool.connect();
    try {
      const inside = await client.query(sql`SELECT current_setting('synchronous_commit') AS s FROM (${ASYNC_COMMIT}) AS a`.text);
      expect(inside.rows[0].s).toBe('off');
      const after = await client.query(`SELECT current_setting('synchronous_commit') AS s`);
      expect(after.rows[0].s).toBe('on'); // not left on the pooled connection
    } finally {
      client.release();
    }
  });
});

describe('enqueueBulk', () => {
  it('adds many jobs in one call, and a job id already queued adds nothing', async () => {
    const q = engine.producer.queue('test-sleep');
    await q.pause();
    const added = await engine.producer.enqueueBulk(sleepy, [{ payload: { ms: 1, effectKey: 'e' }, jobId: 'bulk-a' }, { payload: { ms: 2, effectKey: 'e' }, jobId: 'bulk-b' }, { payload: { ms: 3, effectKey: 'e' } }]);
    expect(added.map((a) => a.id).slice(0, 2)).toEqual(['bulk-a', 'bulk-b']);
    await engine.producer.enqueueBulk(sleepy, [{ payload: { ms: 9, effectKey: 'e' }, jobId: 'bulk-a' }]);
    const waiting = await q.getJobs(['waiting']);
    expect(waiting).toHaveLength(3);
    expect(waiting.find((j) => j.id === 'bulk-a')!.data).toEqual({ ms: 1, effectKey: 'e' });
    // The queue's own job options (retries, retention) apply as with a single enqueue.
    expect(waiting.find((j) => j.id === 'bulk-b')!.opts.attempts).toBe(engine.producer.def('test-sleep').retry.attempts);
    await q.obliterate({ force: true });
    await q.resume();
  });

  it('rejects the whole batch when one payload is invalid, naming its index', async () => {
    const q = engine.producer.queue('test-sleep');
    await expect(engine.producer.enqueueBulk(sleepy, [{ payload: { ms: 1, effectKey: 'e' } }, { payload: { ms: 'soon' as unknown as number, effectKey: 'e' } }])).rejects.toThrow(/test-sleep: payload 1 is invalid/);
    expect(await q.getJobCounts('waiting', 'active', 'completed')).toEqual({ waiting: 0, active: 0, completed: 0 });
  });
});
