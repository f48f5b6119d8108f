// Dead letters and pipeline runs are not lost: not while PostgreSQL is down (they wait in Redis and are
// written once it is back), and not when Redis loses its data and BullMQ job ids start again.
import { executor } from '../src/db/executor.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { createSinks } from '../src/queue/sinks.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { TcpProxy } from './support/tcp-proxy.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let direct: pg.Pool; // straight to PostgreSQL, past the proxy the engine goes through
const proxy = new TcpProxy({ host: '127.0.0.1', port: 5432 });
const prefix = uniquePrefix();

beforeAll(async () => {
  db = await cloneTestDatabase();
  direct = new pg.Pool({ connectionString: db.url, max: 2 });
  const proxied = new URL(db.url);
  proxied.port = String(await proxy.start());
  engine = await startTestEngine({ databaseUrl: proxied.toString(), prefix, env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'test-echo,test-flaky' } });
});
afterAll(async () => {
  proxy.restore();
  await engine?.stop();
  await proxy.stop();
  await direct?.end();
  await db?.drop();
});

const enqueue = async (queue: string, body: unknown) => {
  const res = await engine.request('POST', `/jobs/${queue}`, { body });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
const settled = (queue: string, id: string) =>
  waitFor(async () => {
    const { body } = await engine.request('GET', `/jobs/${queue}/${id}`);
    return ['completed', 'failed'].includes(body.state) && body;
  }, 20_000, `${queue}/${id} to settle`);
const metric = async (line: RegExp) => Number(line.exec(String((await engine.request('GET', '/metrics')).body))?.[1] ?? NaN);
const rows = async (sql: string, params: unknown[]) => (await direct.query(sql, params)).rows;

/** What a Redis restarted without persistence looks like to this engine: every key under its prefix gone. */
async function forgetRedisData() {
  const redis = engine.deps.redis;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

describe('PostgreSQL outage', () => {
  it('keeps the records of jobs finished while PostgreSQL hangs and writes them, with the original error, once it is back', async () => {
    proxy.hang();
    const failing = await Promise.all(Array.from({ length: 20 }, () => enqueue('test-flaky', { failTimes: 9, kind: 'non-retryable' })));
    const passing = await Promise.all(Array.from({ length: 10 }, (_, i) => enqueue('test-echo', { value: `during-${i}` })));

    // The jobs' outcomes are their own: the failure reason is the pipeline's error, and bookkeeping that
    // cannot be written does not fail a job that succeeded.
    for (const job of await Promise.all(failing.map((id) => settled('test-flaky', id)))) {
      expect(job).toMatchObject({ state: 'failed', attempts: 1, failedReason: expect.stringMatching(/upstream said 400/) });
    }
    for (const job of await Promise.all(passing.map((id) => settled('test-echo', id)))) expect(job.state).toBe('completed');

    // Nothing reached PostgreSQL: 20 dead letters and 30 pipeline runs wait in Redis.
    expect(await rows('SELECT job_id FROM dead_letters WHERE queue = $1 AND job_id = ANY($2)', ['test-flaky', failing])).toEqual([]);
    expect(await metric(/^matchday_bookkeeping_backlog (\d+)$/m)).toBe(50);
    expect(await metric(/^matchday_bookkeeping_buffered_total\{kind="dead-letter"\} (\d+)$/m)).toBe(20);
    expect(engine.logs.some((l) => l.includes('kept in Redis until it does'))).toBe(true);

    proxy.restore();
    const letters = await waitFor(async () => {
      const r = await rows('SELECT job_id, error, attempts, payload FROM dead_letters WHERE queue = $1 AND job_id = ANY($2)', ['test-flaky', failing]);
      return r.length === failing.length && r;
    }, 20_000, 'the dead letters to reach PostgreSQL');
    for (const d of letters) expect(d).toMatchObject({ error: 'NonRetryableError: upstream said 400', attempts: 1, payload: { failTimes: 9, kind: 'non-retryable' } });
    await waitFor(async () => (await metric(/^matchday_bookkeeping_backlog (\d+)$/m)) === 0, 10_000, 'the backlog to empty');
    // Exactly once: one run row per job, with its outcome.
    const runs = await rows('SELECT queue, job_id, status FROM pipeline_runs WHERE job_id = ANY($1) AND queue = ANY($2)', [[...failing, ...passing], ['test-flaky', 'test-echo']]);
    expect(runs.filter((r) => r.queue === 'test-flaky').map((r) => r.job_id).sort()).toEqual([...failing].sort());
    expect(runs.filter((r) => r.queue === 'test-flaky').every((r) => r.status === 'FAILED')).toBe(true);
    expect(runs.filter((r) => r.queue === 'test-echo').map((r) => r.job_id).sort()).toEqual([...passing].sort());
    expect(await metric(/^matchday_bookkeeping_replayed_total\{kind="pipeline-run"\} (\d+)$/m)).toBe(30);
  });

  it('writes a kept record once however often it is replayed, lets a later failure of a job replace an earlier one and never the reverse, and sets aside a record PostgreSQL refuses', async () => {
    const redis = engine.deps.redis.duplicate();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const log = createLogger('silent');
    const sinks = createSinks(executor(pool), redis, uniquePrefix(), log, createMetrics());
    try {
      const base = { queue: 'test-flaky', jobId: 'replayed', jobCreatedAt: Date.UTC(2026, 0, 1), jobName: 'test-flaky', stack: null, attempts: 3 };
      const first = { ...base, payload: { n: 1 }, error: 'Error: first', failedAt: Date.UTC(2026, 0, 1, 0, 1) };
      const later = { ...base, payload: { n: 1 }, error: 'Error: later', failedAt: Date.UTC(2026, 0, 1, 0, 2) };
      const run = { queue: 'test-flaky', jobId: 'replayed', jobCreatedAt: base.jobCreatedAt, run: 1, attempt: 1, ok: false, startedAt: first.failedAt, finishedAt: first.failedAt, counts: {}, error: 'first' };
      const poison = { ...base, jobId: 'poison', payload: { text: 'a \u0000 byte' }, error: 'Error: x', failedAt: first.failedAt };
      await sinks.outbox.push([
        { kind: 'dead-letter', row: first }, { kind: 'pipeline-run', row: run }, { kind: 'dead-letter', row: later },
        { kind: 'dead-letter', row: poison }, { kind: 'dead-letter', row: first }, { kind: 'pipeline-run', row: run },
      ], new Error('test'));
      expect(await sinks.outbox.drain()).toBe(6);
      expect(await rows("SELECT error FROM dead_letters WHERE job_id IN ('replayed', 'poison')", [])).toEqual([{ error: 'Error: later' }]);
      expect(await rows("SELECT run FROM pipeline_runs WHERE job_id = 'replayed'", [])).toEqual([{ run: 1 }]);
      expect(await redis.llen(`${sinks.outbox.key}:rejected`)).toBe(1);
      expect(await sinks.outbox.backlog()).toBe(0);
    } finally {
      redis.disconnect();
      await pool.end();
    }
  });
});

describe('Redis data loss', () => {
  it('keeps a dead letter and the pipeline runs of each job when job ids start again', async () => {
    const flaky = engine.producer.queue('test-flaky');
    const echo = engine.producer.queue('test-echo');
    const runsOf = async (id: string) => (await rows('SELECT 1 FROM pipeline_runs WHERE queue = $1 AND job_id = $2', ['test-echo', id])).length;
    await forgetRedisData();
    const a = await flaky.add('test-flaky', { failTimes: 7, kind: 'non-retryable' });
    const before = await runsOf('1'); // an earlier test's job 1
    const echoA = await echo.add('test-echo', { value: 'before the loss' });
    await Promise.all([settled('test-flaky', a.id!), settled('test-echo', echoA.id!)]);
    await waitFor(async () => (await runsOf(echoA.id!)) === before + 1, 10_000, 'the first run row');

    await forgetRedisData();
    const b = await flaky.add('test-flaky', { failTimes: 6, kind: 'non-retryable' });
    const echoB = await echo.add('test-echo', { value: 'after the loss' });
    expect([a.id, echoA.id, b.id, echoB.id]).toEqual(['1', '1', '1', '1']); // BullMQ counts ids from 1 again
    await Promise.all([settled('test-flaky', b.id!), settled('test-echo', echoB.id!)]);

    // The first job's dead letter is not overwritten by the second's, and each job has its run row.
    await waitFor(async () => {
      const r = await rows("SELECT payload->>'failTimes' AS n FROM dead_letters WHERE queue = $1 AND job_id = $2", ['test-flaky', '1']);
      return ['7', '6'].every((n) => r.some((d) => d.n === n));
    }, 10_000, 'a dead letter for each job');
    await waitFor(async () => (await runsOf('1')) === before + 2, 10_000, 'a run row for each job');
    const stamps = await rows("SELECT job_created_at FROM dead_letters WHERE queue = $1 AND job_id = '1' AND payload->>'failTimes' IN ('6', '7')", ['test-flaky']);
    expect(stamps.map((d) => (d.job_created_at as Date).getTime()).sort()).toEqual([a.timestamp, b.timestamp].sort());
  });
});
