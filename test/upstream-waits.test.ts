// Waits that are not a job's fault, end to end on real Redis, PostgreSQL and a local fake upstream:
// an open circuit breaker is waited out without spending attempts (spread wake-ups, one half-open probe,
// a bounded total wait), and an upstream's Retry-After is capped.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { queues } from '../queues/index.js';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { RetryAfterError } from '../src/queue/errors.js';
import { CircuitOpenError } from '../src/upstream/errors.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

const EPL = readFileSync(new URL('./fixtures/espn/scoreboard-eng.1-2025-05-25.json', import.meta.url), 'utf8');
const SCOREBOARD = 'ingest-espn-scoreboard';

/** Every run of the wait queue, in this process: its attempt number and when it started. */
const waitRuns: Array<{ attempt: number; at: number }> = [];
const waitQueue = defineQueue({
  name: 'test-breaker-wait',
  description: 'always meets a closed door that is not its fault: a 300 ms wait within a 1 s budget',
  payload: z.object({}),
  retry: { attempts: 3, delayMs: 50, maxDelayMs: 100 },
  timeoutMs: 5_000,
  concurrency: 1,
  retention: defaultRetention,
  handler: async () => async (_p: object, ctx) => {
    waitRuns.push({ attempt: ctx.attempt, at: Date.now() });
    throw new RetryAfterError('door closed', 300, { maxWaitMs: 1_000, jitterMs: 50 });
  },
});

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const espn = new FakeUpstream();
const prefix = uniquePrefix();

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await espn.start();
  espn.route('/eng.1/scoreboard', { body: EPL });
  espn.route('/probe', { body: '{}' });
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, queues: [...queues, waitQueue], extendDeps: createPipelineDeps,
    env: {
      ESPN_BASE_URL: url, WORKER_QUEUES: `${SCOREBOARD},${waitQueue.name}`, SCHEDULES_ENABLED: 'false', RATE_LIMITS_ENABLED: 'false',
      UPSTREAM_BREAKER_VOLUME: '4', UPSTREAM_BREAKER_RESET_MS: '2000', UPSTREAM_TIMEOUT_MS: '1000', UPSTREAM_MAX_RETRY_AFTER_MS: '5000',
    },
  });
});
afterAll(async () => {
  await engine?.stop();
  await espn.stop();
  await db?.drop();
});

const scoreboards = () => engine.producer.queue(SCOREBOARD);
const metrics = async () => String((await engine.request('GET', '/metrics')).body);
async function enqueue(dates: string) {
  const { body, status } = await engine.request('POST', `/jobs/${SCOREBOARD}`, { body: { league: 'eng.1', dates } });
  expect(status).toBe(202);
  return body.id as string;
}
async function jobIn(id: string, state: string) {
  return waitFor(async () => {
    const job = (await engine.request('GET', `/jobs/${SCOREBOARD}/${id}`)).body;
    return job.state === state && job;
  }, 15_000, `job ${id} to be ${state}`);
}

describe('Retry-After', () => {
  it('is capped at UPSTREAM_MAX_RETRY_AFTER_MS, logged and counted', async () => {
    espn.fail({ kind: 'status', status: 429, retryAfter: '31536000' }, 1, '/eng.1/'); // a year
    const id = await enqueue('20250601');
    const job = await jobIn(id, 'delayed');
    expect(job.failedReason).toMatch(/HTTP 429 with Retry-After; retry in 5000 ms/);
    const delayed = (await scoreboards().getJob(id))!;
    expect(delayed.delay).toBe(5_000);
    const logged = engine.logs.map((l) => JSON.parse(l)).find((l) => /Retry-After .*capped/.test(l.msg));
    expect(logged).toMatchObject({ upstream: 'espn', retryAfter: '31536000', askedMs: 31_536_000_000, cappedMs: 5_000 });
    expect(await metrics()).toMatch(/^matchday_upstream_retry_after_capped_total\{upstream="espn"\} 1$/m);
    await delayed.remove();
  });

  it('leaves a Retry-After within the cap as it is', async () => {
    espn.fail({ kind: 'status', status: 503, retryAfter: '3' }, 1, '/eng.1/');
    const id = await enqueue('20250602');
    expect((await jobIn(id, 'delayed')).failedReason).toMatch(/retry in 3000 ms/);
    expect(await metrics()).toMatch(/^matchday_upstream_retry_after_capped_total\{upstream="espn"\} 1$/m);
    await scoreboards().remove(id);
  });
});

describe('an open circuit breaker', () => {
  it('is waited out without spending attempts, the waiting jobs waking at different times', async () => {
    espn.fail({ kind: 'status', status: 500 }, 10_000, '/eng.1/');
    const dates = Array.from({ length: 10 }, (_, i) => `202507${String(i + 10).padStart(2, '0')}`);
    // Four jobs open the breaker (volume 4); the six enqueued after it opened meet it open. (All ten at
    // once let a loaded machine send most of them out before the fourth failure came back.)
    const ids: string[] = [];
    for (const d of dates.slice(0, 4)) ids.push(await enqueue(d));
    await waitFor(async () => /^matchday_circuit_transitions_total\{upstream="espn",to="open"\} [1-9]/m.test(await metrics()), 15_000, 'the breaker to open');
    ids.push(...(await Promise.all(dates.slice(4).map(enqueue))));
    const requestsFor = (d: string) => espn.requests.filter((r) => r.path.includes(`dates=${d}`)).length;
    const jobs = async () => Promise.all(ids.map(async (id, i) => ({ job: (await scoreboards().getJob(id))!, requests: requestsFor(dates[i]!) })));

    // The jobs that meet the open breaker go back to delayed untried.
    const untried = await waitFor(async () => {
      const all = await jobs();
      const waiting = [];
      for (const j of all) if (j.requests === 0 && (await j.job.getState()) === 'delayed') waiting.push(j.job);
      return waiting.length >= 5 && waiting;
    }, 10_000, 'five jobs waiting for the breaker');
    expect(await metrics()).toMatch(/^matchday_circuit_transitions_total\{upstream="espn",to="open"\} [1-9]/m);
    // Their wake-up times (the delayed set's scores) spread over up to half a reset period after the probe time.
    const wakeAt = await Promise.all(untried.map(async (j) => Math.floor(Number(await engine.deps.redis.zscore(`${prefix}:${SCOREBOARD}:delayed`, j.id!)) / 0x1000)));
    // Jittered uniformly over 1 s: two of the five or six may share a millisecond by chance (≈ 1.5 %), hardly
    // three or two pairs; all at once would be one value.
    expect(new Set(wakeAt).size).toBeGreaterThanOrEqual(wakeAt.length - 1);
    expect(Math.max(...wakeAt) - Math.min(...wakeAt)).toBeGreaterThan(100);

    // Through several open, half-open and reopen rounds, a job's attempts are its requests, never more.
    const end = Date.now() + 7_000;
    while (Date.now() < end) {
      for (const { job, requests } of await jobs()) expect(job.attemptsMade, `job ${job.id}: ${requests} requests`).toBeLessThanOrEqual(requests);
      await new Promise((r) => setTimeout(r, 250));
    }
    const all = await jobs();
    expect(all.filter((j) => j.job.attemptsMade === 0).length).toBeGreaterThan(0);
    expect(await engine.db.deadLetter.count({ where: { queue: SCOREBOARD } })).toBe(0);
    expect(await metrics()).toMatch(new RegExp(`^matchday_jobs_deferred_total\\{queue="${SCOREBOARD}"\\} [1-9]\\d*$`, 'm'));
    for (const id of ids) await scoreboards().remove(id).catch(() => {});
    espn.clearFaults();
  });

  it('admits one probe when half-open and sends the others back until its result', async () => {
    const probe = engine.deps.upstream({ name: 'probe-test', baseUrl: espn.url, breaker: { volumeThreshold: 2, resetTimeoutMs: 500 } });
    espn.fail({ kind: 'status', status: 500 }, 2, '/probe');
    for (let i = 0; i < 2; i++) await expect(probe.get('/probe')).rejects.toThrow(/HTTP 500/);
    const open = await probe.get('/probe').catch((e) => e);
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect(open.delayMs).toBeGreaterThan(0);
    expect(open.delayMs).toBeLessThanOrEqual(500);
    expect(open.wait).toEqual({ maxWaitMs: 1_800_000, jitterMs: 250 });

    await waitFor(() => probe.breaker.state === 'half-open', 2_000, 'half-open');
    const before = espn.count('/probe');
    espn.fail({ kind: 'delay', ms: 300 }, 1, '/probe');
    const results = await Promise.all(Array.from({ length: 5 }, () => probe.get('/probe').then(() => 'ok', (e) => e)));
    expect(espn.count('/probe') - before).toBe(1); // the probe alone reached the upstream
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    const sentBack = results.filter((r) => r !== 'ok');
    expect(sentBack.every((e) => e instanceof CircuitOpenError && /half-open/.test(e.message) && e.wait)).toBe(true);
    expect(probe.breaker.state).toBe('closed');
    await expect(probe.get('/probe')).resolves.toMatchObject({ status: 200 });
  });
});

describe('the wait budget', () => {
  it('defers without counting attempts until the job has waited its maximum, then counts each wait', async () => {
    const { body } = await engine.request('POST', `/jobs/${waitQueue.name}`, { body: {} });
    const job = await waitFor(async () => {
      const j = (await engine.request('GET', `/jobs/${waitQueue.name}/${body.id}`)).body;
      return j.state === 'failed' && j;
    }, 15_000, 'the wait job to fail for good');
    // 300 ms waits: three fit in the 1 s budget (attempt 1 runs four times); then each wait is an attempt.
    expect(waitRuns.map((r) => r.attempt)).toEqual([1, 1, 1, 1, 2, 3]);
    for (let i = 1; i < 4; i++) expect(waitRuns[i]!.at - waitRuns[i - 1]!.at).toBeGreaterThanOrEqual(290);
    expect(job).toMatchObject({ attempts: 3, failedReason: expect.stringMatching(/door closed/) });
    expect(await engine.db.deadLetter.count({ where: { queue: waitQueue.name } })).toBe(1);
  });
});
