// The engine's primitives on real Redis and PostgreSQL: defer, flows (children added at run time, waiting
// without a worker, values and failures, idempotent submission, progress), typed enqueue (debounce,
// throttle, priority), global concurrency across two engines, and idempotent enqueue at the boundary.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyConflictError } from '../src/queue/producer.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { bounded, child, deferring, parent, primitiveQueues, recorder } from './support/primitive-queues.js';

const prefix = uniquePrefix();
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let engine: TestEngine;
let other: TestEngine;

beforeAll(async () => {
  db = await cloneTestDatabase();
  const env = { SCHEDULES_ENABLED: 'false', IDEMPOTENCY_TTL_SECONDS: '600' };
  engine = await startTestEngine({ databaseUrl: db.url, prefix, env, queues: primitiveQueues });
  other = await startTestEngine({ databaseUrl: db.url, prefix, env: { ...env, WORKER_QUEUES: bounded.name }, queues: primitiveQueues });
});
afterAll(async () => {
  await other?.stop();
  await engine?.stop();
  await db?.drop();
});

const key = (k: string) => `${prefix}:test:${k}`;
async function settled(name: string, id: string, timeoutMs = 10_000) {
  const q = engine.producer.queue(name);
  return waitFor(async () => {
    const state = await q.getJobState(id);
    return state === 'completed' || state === 'failed' ? { state, job: (await q.getJob(id))! } : undefined;
  }, timeoutMs, `${name}/${id} to settle`);
}

describe('ctx.defer', () => {
  it('parks the job in delayed without holding the worker or counting an attempt', async () => {
    // Concurrency 1: while the first job waits out its defers, the second one runs.
    const slow = await engine.producer.enqueue(deferring, { tag: 'slow', times: 2, ms: 400 });
    const quick = await engine.producer.enqueue(deferring, { tag: 'quick', times: 0, ms: 0 });
    const q = await settled(deferring.name, quick.id);
    const s = await settled(deferring.name, slow.id);
    expect(q.job.finishedOn!).toBeLessThan(s.job.finishedOn!);
    expect(s.state).toBe('completed');
    expect(s.job.returnvalue).toEqual({ runs: 3, attempt: 1, counts: {} });
    expect(s.job.attemptsMade).toBe(1); // the one completed run; the two defers counted none
    expect(await engine.deps.redis.lrange(key('defer:slow'), 0, -1)).toEqual(['1', '1', '1']);
    // Each defer waited at least its 400 ms (jitter only lengthens it).
    expect(s.job.finishedOn! - s.job.timestamp).toBeGreaterThanOrEqual(800);
    expect(String((await engine.request('GET', '/metrics')).body)).toMatch(/^matchday_jobs_deferred_total\{queue="test-defer"\} 2$/m);
    // A deferred run is not an attempt: one pipeline-run row, for the run that completed.
    expect(await engine.db.pipelineRun.count({ where: { queue: deferring.name, jobId: slow.id } })).toBe(1);
  });
});

describe('flows', () => {
  it('lets a parent add children in waves, wait for them without a worker, and read their values and failures', async () => {
    const { id } = await engine.producer.enqueue(parent, { ns: [1, 2, 3, 4, 5], failing: [4] }, { jobId: 'fam-1' });
    const { state, job } = await settled(parent.name, id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({
      sum: 2 * (1 + 2 + 3 + 5),
      values: ['test-child/fam-1-n1', 'test-child/fam-1-n2', 'test-child/fam-1-n3', 'test-child/fam-1-n5'],
      failures: ['test-child/fam-1-n4: NonRetryableError: child 4 refused'],
    });
    // First run added the children and parked; the second ran once they were done.
    expect(await engine.deps.redis.get(key('parent-runs:fam-1'))).toBe('2');
    expect(job.attemptsMade).toBe(1);
  });

  it('submits a parent with children once: a repeat adds nothing, another payload is a conflict', async () => {
    const children = [1, 2].map((n) => ({ def: child, payload: { n }, jobId: `sub-c${n}` }));
    const first = await engine.deps.flows.submit({ def: recorder, payload: { value: 'parent-a' }, jobId: 'sub-1' }, children);
    const again = await engine.deps.flows.submit({ def: recorder, payload: { value: 'parent-a' }, jobId: 'sub-1' }, children);
    expect(first).toEqual({ id: 'sub-1', created: true });
    expect(again).toEqual({ id: 'sub-1', created: false });
    await expect(engine.deps.flows.submit({ def: recorder, payload: { value: 'parent-b' }, jobId: 'sub-1' }, children)).rejects.toBeInstanceOf(IdempotencyConflictError);
    const { state, job } = await settled(recorder.name, 'sub-1');
    expect(state).toBe('completed');
    expect(Object.values(await job.getChildrenValues())).toEqual(expect.arrayContaining([{ doubled: 2 }, { doubled: 4 }]));
    expect((await engine.deps.redis.lrange(key('recorded'), 0, -1)).filter((v) => v === 'parent-a')).toHaveLength(1);
  });

  it('dead-letters a parent that a child failed for good (the parent itself never runs)', async () => {
    const { created } = await engine.deps.flows.submit({ def: recorder, payload: { value: 'doomed-parent' }, jobId: 'doomed-1' }, [
      { def: child, payload: { n: 7, fail: true }, jobId: 'doomed-1-c7', onFailure: 'fail-parent' },
    ]);
    expect(created).toBe(true);
    const { state } = await settled(recorder.name, 'doomed-1');
    expect(state).toBe('failed');
    const letter = await waitFor(() => engine.db.deadLetter.findFirst({ where: { queue: recorder.name, jobId: 'doomed-1' } }), 5_000, 'the parent\'s dead letter');
    expect(letter).toMatchObject({ jobName: recorder.name, payload: { value: 'doomed-parent', holdMs: 0 } });
    expect(letter!.error).toMatch(/^ChildFailedError: child test-child\/doomed-1-c7 failed for good: NonRetryableError: child 7 refused/);
    // The dead letter re-drives the parent's own payload.
    expect((await engine.request('POST', `/dead-letters/${letter!.id}/redrive`)).status).toBe(202);
  });

  it('moves a parent\'s progress to the share of its children done, counting each child once', async () => {
    await engine.producer.enqueue(recorder, { value: 'progress-parent' }, { jobId: 'prog-1', delayMs: 60_000 });
    const ref = { def: recorder, jobId: 'prog-1' };
    expect(await engine.deps.flows.childDone(ref, 'c0', 4)).toBe(25);
    expect(await engine.deps.flows.childDone(ref, 'c0', 4)).toBe(25);
    expect(await engine.deps.flows.childDone(ref, 'c1', 4)).toBe(50);
    expect((await engine.producer.queue(recorder.name).getJob('prog-1'))!.progress).toBe(50);
    await engine.producer.queue(recorder.name).remove('prog-1');
  });
});

describe('typed enqueue', () => {
  it('debounces a burst into one job run after the last event, with the newest payload', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await engine.producer.enqueue(recorder, { value: `burst-${i}` }, { debounce: { id: 'burst', ttlMs: 300 } })).id);
    const last = ids.at(-1)!;
    const { job } = await settled(recorder.name, last);
    expect(job.returnvalue).toEqual({ value: 'burst-4' });
    const recorded = await engine.deps.redis.lrange(key('recorded'), 0, -1);
    expect(recorded.filter((v) => v.startsWith('burst-'))).toEqual(['burst-4']);
  });

  it('throttles: one job per id within the window, later enqueues get its id', async () => {
    const a = await engine.producer.enqueue(recorder, { value: 'thr-a' }, { throttle: { id: 'thr', ttlMs: 60_000 } });
    const b = await engine.producer.enqueue(recorder, { value: 'thr-b' }, { throttle: { id: 'thr', ttlMs: 60_000 } });
    expect(b.id).toBe(a.id);
    await settled(recorder.name, a.id);
    const c = await engine.producer.enqueue(recorder, { value: 'thr-c' }, { throttle: { id: 'thr', ttlMs: 60_000 } });
    expect(c.id).toBe(a.id);
    expect((await engine.deps.redis.lrange(key('recorded'), 0, -1)).filter((v) => v.startsWith('thr-'))).toEqual(['thr-a']);
  });

  it('runs a high-priority job before lower-priority ones queued earlier', async () => {
    const hold = await engine.producer.enqueue(recorder, { value: 'prio-hold', holdMs: 300 });
    await waitFor(async () => (await engine.producer.queue(recorder.name).getJobState(hold.id)) === 'active', 5_000, 'the holder to run');
    const low = [];
    for (let i = 0; i < 5; i++) low.push((await engine.producer.enqueue(recorder, { value: `prio-low-${i}` }, { priority: 10 })).id);
    const high = await engine.producer.enqueue(recorder, { value: 'prio-high' }, { priority: 1 });
    await settled(recorder.name, low.at(-1)!);
    await settled(recorder.name, high.id);
    const order = (await engine.deps.redis.lrange(key('recorded'), 0, -1)).filter((v) => v.startsWith('prio-'));
    expect(order.slice(0, 2)).toEqual(['prio-hold', 'prio-high']);
  });

  it('rejects a payload that does not fit the queue before anything is added', async () => {
    await expect(engine.producer.enqueue(recorder, { value: 42 as unknown as string })).rejects.toThrow(/value/);
  });
});

describe('globalConcurrency', () => {
  it('is set from the queue definition and holds across two engines', async () => {
    expect(await engine.producer.queue(bounded.name).getGlobalConcurrency()).toBe(1);
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push((await engine.producer.enqueue(bounded, { ms: 40 })).id);
    for (const id of ids) await settled(bounded.name, id);
    const seen = (await engine.deps.redis.lrange(key('bounded:max'), 0, -1)).map(Number);
    expect(seen).toHaveLength(8);
    expect(Math.max(...seen)).toBe(1);
  });
});

describe('idempotent enqueue', () => {
  it('does not consume the key when the add fails: the retry enqueues the job', async () => {
    // A payload the queue cannot serialise: the add itself throws, after the key was looked up.
    await expect(engine.producer.enqueue(recorder, { value: 'deep', extra: { big: 10n } }, { idempotencyKey: 'k-deep' })).rejects.toThrow(/BigInt/);
    const retry = await engine.producer.enqueue(recorder, { value: 'deep', extra: { shallow: true } }, { idempotencyKey: 'k-deep' });
    expect(retry.created).toBe(true);
    const { state } = await settled(recorder.name, retry.id);
    expect(state).toBe('completed');
  });

  it('answers a repeat with the same job and a different payload under the same key with 409', async () => {
    const body = { value: 'idem-1' };
    const a = await engine.request('POST', `/jobs/${recorder.name}`, { body, headers: { 'idempotency-key': 'k-1' } });
    const b = await engine.request('POST', `/jobs/${recorder.name}`, { body: { value: 'idem-1', holdMs: 0 }, headers: { 'idempotency-key': 'k-1' } });
    const c = await engine.request('POST', `/jobs/${recorder.name}`, { body: { value: 'idem-2' }, headers: { 'idempotency-key': 'k-1' } });
    expect(a.status).toBe(202);
    expect(b.status).toBe(200); // the same payload once defaults are applied
    expect(b.body.id).toBe(a.body.id);
    expect(c.status).toBe(409);
    expect(c.body.error).toMatch(/Idempotency-Key "k-1" was used .* with another payload/);
    await settled(recorder.name, a.body.id);
    expect((await engine.deps.redis.lrange(key('recorded'), 0, -1)).filter((v) => v.startsWith('idem-'))).toEqual(['idem-1']);
  });

  it('finds a job added by an attempt that failed before remembering the key', async () => {
    // As if a request added the job and then lost Redis before remembering its key.
    const first = await engine.producer.enqueue(recorder, { value: 'half-done', holdMs: 0 }, { idempotencyKey: 'k-half' });
    const hash = createHash('sha256').update(`${recorder.name}\0k-half`).digest('hex').slice(0, 40);
    expect(await engine.deps.redis.del(`${prefix}:engine:idem:${recorder.name}:${hash}`)).toBe(1);
    const repeat = await engine.producer.enqueue(recorder, { value: 'half-done', holdMs: 0 }, { idempotencyKey: 'k-half' });
    expect(repeat).toEqual({ id: first.id, created: false });
    await expect(engine.producer.enqueue(recorder, { value: 'other' }, { idempotencyKey: 'k-half' })).rejects.toBeInstanceOf(IdempotencyConflictError);
  });
});
