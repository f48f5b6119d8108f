import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';

let engine: TestEngine;
let other: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const prefix = uniquePrefix();

beforeAll(async () => {
  db = await cloneTestDatabase();
  engine = await startTestEngine({ databaseUrl: db.url, prefix, env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'test-echo,test-flaky,test-timeout' } });
  // A second engine on the same Redis/PostgreSQL: the only one consuming test-sleep, so cancels must cross engines.
  other = await startTestEngine({ databaseUrl: db.url, prefix, env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'test-sleep' } });
});
afterAll(async () => {
  await Promise.all([engine?.stop(), other?.stop()]);
  await db?.drop();
});

const enqueue = async (queue: string, body: unknown) => {
  const res = await engine.request('POST', `/jobs/${queue}`, { body });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
const settled = (queue: string, id: string, timeoutMs = 15_000) =>
  waitFor(async () => {
    const { body } = await engine.request('GET', `/jobs/${queue}/${id}`);
    return ['completed', 'failed'].includes(body.state) && body;
  }, timeoutMs, `${queue}/${id} to settle`);
const key = (k: string) => `${prefix}:test:${k}`;

describe('job wrapper', () => {
  it('exports the counters alerts take increase() of at 0 before the first job, and the workers Redis lists per queue', async () => {
    // A series born at 1 has no earlier sample: Prometheus' increase() would miss a process's first dead letter.
    const text = String((await other.request('GET', '/metrics')).body);
    for (const name of ['completed', 'failed', 'retried', 'dead_lettered', 'stalled']) {
      expect(text).toMatch(new RegExp(`^matchday_jobs_${name}_total\\{queue="test-sleep"\\} 0$`, 'm'));
    }
    // Counters of queues another process consumes are not this process's to report.
    expect(text).not.toMatch(/^matchday_jobs_completed_total\{queue="test-echo"\}/m);
    // Both engines see Redis' worker registry: one worker connection each for their queues, none for the rest.
    for (const e of [engine, other]) {
      const m = String((await e.request('GET', '/metrics')).body);
      expect(m).toMatch(/^matchday_queue_workers\{queue="test-sleep"\} 1$/m);
      expect(m).toMatch(/^matchday_queue_workers\{queue="test-echo"\} 1$/m);
      expect(m).toMatch(/^matchday_queue_workers\{queue="test-tick"\} 0$/m);
    }
  });

  it('runs a job, stores its result and records a pipeline run with its counts', async () => {
    const id = await enqueue('test-echo', { value: 'hi', count: 7 });
    const job = await settled('test-echo', id);
    expect(job).toMatchObject({ state: 'completed', attempts: 1, result: { echoed: 'hi', counts: { fetched: 7, inserted: 7 } } });
    const run = await waitFor(() => engine.db.pipelineRun.findFirst({ where: { queue: 'test-echo', jobId: id } }));
    expect(run).toMatchObject({ status: 'SUCCEEDED', attempt: 1, counts: { fetched: 7, inserted: 7 } });
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a stored payload that no longer validates, without retry, into the dead-letter table', async () => {
    // Written straight to the queue, as an older producer would have: the worker re-validates it.
    const job = await engine.producer.queue('test-echo').add('test-echo', { value: 42 });
    const done = await settled('test-echo', String(job.id));
    expect(done.state).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.failedReason).toMatch(/invalid payload: value: .*string/i);
    const dl = await waitFor(() => engine.db.deadLetter.findFirst({ where: { queue: 'test-echo', jobId: String(job.id) } }));
    expect(dl).toMatchObject({ attempts: 1, payload: { value: 42 } });
  });

  it('retries a transient failure with backoff and then succeeds', async () => {
    const id = await enqueue('test-flaky', { failTimes: 2, kind: 'retryable' });
    const job = await settled('test-flaky', id);
    expect(job).toMatchObject({ state: 'completed', attempts: 3, result: { attempt: 3 } });
    const times = (await engine.deps.redis.lrange(key(`flaky:${id}`), 0, -1)).map(Number);
    expect(times).toHaveLength(3);
    // Backoff: 100 ms then 200 ms, each ±20 %.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(75);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(155);
    const runs = await engine.db.pipelineRun.findMany({ where: { queue: 'test-flaky', jobId: id }, orderBy: { attempt: 'asc' } });
    expect(runs.map((r) => r.status)).toEqual(['FAILED', 'FAILED', 'SUCCEEDED']);
  });

  it('does not retry a non-retryable failure', async () => {
    const id = await enqueue('test-flaky', { failTimes: 5, kind: 'non-retryable' });
    const job = await settled('test-flaky', id);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    expect(job.failedReason).toMatch(/upstream said 400/);
  });

  it('sends a retry-after failure back with the upstream delay', async () => {
    const id = await enqueue('test-flaky', { failTimes: 1, kind: 'retry-after', retryAfterMs: 1_200 });
    const job = await settled('test-flaky', id);
    expect(job.state).toBe('completed');
    const [a, b] = (await engine.deps.redis.lrange(key(`flaky:${id}`), 0, -1)).map(Number);
    expect(b! - a!).toBeGreaterThanOrEqual(1_150);
  });

  it('dead-letters a job that exhausts its attempts, and re-drives it through the API', async () => {
    const id = await enqueue('test-flaky', { failTimes: 3, kind: 'retryable' });
    expect((await settled('test-flaky', id)).state).toBe('failed');
    const list = await engine.request('GET', '/dead-letters?queue=test-flaky');
    const dl = list.body.items.find((d: { jobId: string }) => d.jobId === id);
    expect(dl).toMatchObject({ queue: 'test-flaky', attempts: 3, error: expect.stringMatching(/transient failure on attempt 3/), redrivenAt: null });

    const redrive = await engine.request('POST', `/dead-letters/${dl.id}/redrive`);
    expect(redrive.status).toBe(202);
    const again = await engine.request('POST', `/dead-letters/${dl.id}/redrive`);
    expect(again.status).toBe(200);
    expect(again.body.redriveJobId).toBe(redrive.body.redriveJobId);
    // The re-driven job is a fresh job with all its attempts: it fails 3 more times (failTimes counts per job).
    const rerun = await settled('test-flaky', redrive.body.redriveJobId);
    expect(rerun.attempts).toBe(3);
    const metrics = String((await engine.request('GET', '/metrics')).body);
    expect(metrics).toMatch(/^matchday_jobs_dead_lettered_total\{queue="test-flaky"\} [1-9]/m);
    expect(metrics).toMatch(/^matchday_jobs_retried_total\{queue="test-flaky"\} [1-9]/m);
    expect(metrics).toMatch(/^matchday_jobs_completed_total\{queue="test-echo"\} [1-9]/m);
  });

  it('retries a failed job through the API', async () => {
    const id = await enqueue('test-flaky', { failTimes: 5, kind: 'non-retryable' });
    expect((await settled('test-flaky', id)).state).toBe('failed');
    expect((await engine.request('POST', `/jobs/test-flaky/${id}/retry`)).status).toBe(202);
    await waitFor(async () => (await engine.deps.redis.llen(key(`flaky:${id}`))) === 2, 10_000, 'second run');
  });

  it('aborts a job at its timeout through the AbortSignal and retries it', async () => {
    const id = await enqueue('test-timeout', {});
    const job = await settled('test-timeout', id);
    expect(job).toMatchObject({ state: 'failed', attempts: 2 });
    expect(job.failedReason).toMatch(/timed out after 300 ms/);
    expect(await engine.deps.redis.lrange(key(`timeout:${id}`), 0, -1)).toEqual(['started', 'aborted:JobTimeoutError', 'started', 'aborted:JobTimeoutError']);
  });

  it('fails a job at its timeout even when the pipeline ignores the signal', async () => {
    const t = Date.now();
    const id = await enqueue('test-timeout', { ignoreSignal: true });
    const job = await settled('test-timeout', id);
    expect(job.state).toBe('failed');
    expect(Date.now() - t).toBeLessThan(5_000);
  });
});

describe('cancel', () => {
  it('cancels an active job held by another engine; it is not retried and has no effect', async () => {
    const id = await enqueue('test-sleep', { ms: 20_000, effectKey: 'cancel-me' });
    await waitFor(async () => (await engine.request('GET', `/jobs/test-sleep/${id}`)).body.state === 'active', 10_000, 'job to start');
    const res = await engine.request('DELETE', `/jobs/test-sleep/${id}`);
    expect(res).toMatchObject({ status: 202, body: { action: 'cancelling' } });
    const job = await settled('test-sleep', id, 5_000);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    expect(job.failedReason).toMatch(/JobCancelledError/);
    expect(await engine.deps.redis.get(key('cancel-me:effects'))).toBeNull();
    expect((await engine.request('DELETE', `/jobs/test-sleep/${id}`)).status).toBe(409);
  });
});
