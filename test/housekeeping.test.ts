// engine-housekeeping: prunes pipeline runs and re-driven dead letters past their age, nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../queues/index.js';
import { DAY_MS, HOUR_MS } from '../src/time.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let e: TestEngine;

beforeAll(async () => {
  db = await cloneTestDatabase();
  e = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), queues, env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: 'engine-housekeeping' } });
});
afterAll(async () => {
  await e?.stop();
  await db?.drop();
});

describe('engine-housekeeping', () => {
  it('deletes pipeline runs and re-driven dead letters older than the given days, keeping the rest', async () => {
    const now = Date.now();
    const ago = (ms: number) => new Date(now - ms);
    // An hour either side of the 30-day line: a time-zone slip in the cut-off would move it by hours.
    const ages = { old: 30 * DAY_MS + HOUR_MS, recent: 30 * DAY_MS - HOUR_MS };
    await e.db.pipelineRun.createMany({
      data: Object.entries(ages).map(([k, ms]) => ({ queue: 'seed', jobId: k, jobCreatedAt: ago(ms), run: 1, attempt: 1, status: 'SUCCEEDED' as const, startedAt: ago(ms), finishedAt: ago(ms), durationMs: 0, counts: {} })),
    });
    await e.db.deadLetter.createMany({
      data: [
        { queue: 'seed', jobId: 'redriven-old', jobCreatedAt: ago(40 * DAY_MS), jobName: 'x', payload: {}, error: 'e', attempts: 1, failedAt: ago(40 * DAY_MS), redrivenAt: ago(ages.old) },
        { queue: 'seed', jobId: 'redriven-recent', jobCreatedAt: ago(40 * DAY_MS), jobName: 'x', payload: {}, error: 'e', attempts: 1, failedAt: ago(40 * DAY_MS), redrivenAt: ago(ages.recent) },
        { queue: 'seed', jobId: 'never-redriven', jobCreatedAt: ago(90 * DAY_MS), jobName: 'x', payload: {}, error: 'e', attempts: 1, failedAt: ago(90 * DAY_MS) },
      ],
    });

    const { body } = await e.request('POST', '/jobs/engine-housekeeping', { body: { pipelineRunsDays: 30, deadLettersDays: 30 } });
    const job = await waitFor(async () => {
      const j = (await e.request('GET', `/jobs/engine-housekeeping/${body.id}`)).body;
      if (j.state === 'failed') throw new Error(j.failedReason);
      return j.state === 'completed' && j;
    }, 20_000, 'housekeeping job');

    expect(job.result.counts).toEqual({ pipelineRunsDeleted: 1, deadLettersDeleted: 1 });
    expect((await e.db.pipelineRun.findMany({ where: { queue: 'seed' } })).map((r) => r.jobId)).toEqual(['recent']);
    expect((await e.db.deadLetter.findMany({ orderBy: { jobId: 'asc' } })).map((d) => d.jobId)).toEqual(['never-redriven', 'redriven-recent']);
  });
});
