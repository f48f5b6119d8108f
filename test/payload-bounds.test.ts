// Payloads that can never succeed are refused at the boundary (issue #9, item 16): ids beyond PostgreSQL's
// integer, day counts beyond any retention, dates that do not exist. The checks live in the queues'
// payload schemas, so the enqueue route and the worker's re-validation agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../queues/index.js';
import { registerMlRoutes } from '../src/app/routes/predictions.js';
import { MAX_DAYS } from '../src/schemas.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;

beforeAll(async () => {
  db = await cloneTestDatabase();
  // Only engine-housekeeping is consumed: every other queue keeps what the route accepted.
  engine = await startTestEngine({
    databaseUrl: db.url, prefix: uniquePrefix(), queues, extraRoutes: [registerMlRoutes],
    env: { WORKER_QUEUES: 'engine-housekeeping', SCHEDULES_ENABLED: 'false' },
  });
  await engine.db.competition.create({ data: { provider: 'test', providerId: 'E1', slug: 'eng.1', name: 'League eng.1' } });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

function expectBadField(res: { status: number; body: any }, field: string, message?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  const detail = res.body.details.find((d: { field: string }) => d.field === field);
  expect(detail, JSON.stringify(res.body.details)).toBeDefined();
  if (message) expect(detail.message).toMatch(message);
}

describe('ids of PostgreSQL integer columns', () => {
  it('refuses ids beyond 2147483647 and accepts 2147483647', async () => {
    expectBadField(await engine.request('POST', '/jobs/ingest-weather-match', { body: { matchId: 2_147_483_648 } }), 'matchId', /2147483647/);
    expectBadField(await engine.request('POST', '/jobs/ingest-venue-geocode', { body: { venueId: 2_147_483_648 } }), 'venueId');
    expectBadField(await engine.request('POST', '/jobs/ml-repredict-match', { body: { matchId: 2_147_483_648, kind: 'goal' } }), 'matchId');
    expectBadField(await engine.request('POST', '/predictions/batch', { body: { matchIds: [1, 2_147_483_648] } }), 'matchIds.1');
    expect((await engine.request('POST', '/jobs/ingest-weather-match', { body: { matchId: 2_147_483_647 } })).status).toBe(202);
    expect((await engine.request('POST', '/predictions/batch', { body: { matchIds: [2_147_483_647] } })).status).toBe(202);
  });
});

describe('day counts', () => {
  it(`refuses more than ${MAX_DAYS} days`, async () => {
    expectBadField(await engine.request('POST', '/jobs/engine-housekeeping', { body: { pipelineRunsDays: 3_000_000 } }), 'pipelineRunsDays');
    expectBadField(await engine.request('POST', '/jobs/engine-housekeeping', { body: { deadLettersDays: MAX_DAYS + 1 } }), 'deadLettersDays');
    const ok = await engine.request('POST', '/jobs/engine-housekeeping', { body: { pipelineRunsDays: MAX_DAYS, deadLettersDays: MAX_DAYS } });
    expect(ok.status).toBe(202);
    await waitFor(async () => (await engine.request('GET', `/jobs/engine-housekeeping/${ok.body.id}`)).body.state === 'completed', 15_000, 'housekeeping');
  });

  it('fails a job that reached the queue another way at once, naming the field, instead of three times', async () => {
    const job = await engine.producer.queue('engine-housekeeping').add('manual', { pipelineRunsDays: 3_000_000, deadLettersDays: 30 });
    const failed = await waitFor(async () => {
      const { body } = await engine.request('GET', `/jobs/engine-housekeeping/${job.id}`);
      return body.state === 'failed' && body;
    }, 15_000, 'the job to fail');
    expect(failed.attempts).toBe(1);
    expect(failed.failedReason).toMatch(/invalid payload: pipelineRunsDays: /);
  });
});

describe('dates', () => {
  it('refuses days that do not exist instead of reading 2025-02-30 as 2025-03-02', async () => {
    const selection = (from: string, to: string) => ({ body: { league: 'eng.1', from, to } });
    expectBadField(await engine.request('POST', '/predictions/batch', selection('2025-02-30', '2025-03-02')), 'from', /real ISO date/);
    expectBadField(await engine.request('POST', '/predictions/batch', selection('2025-02-01', '2025-02-29T12:00:00Z')), 'to');
    expectBadField(await engine.request('POST', '/predictions/batch', selection('2025-02-01T24:00:00Z', '2025-02-28')), 'from');
    expectBadField(await engine.request('POST', '/jobs/ml-predict-batch', selection('2025-04-31', '2025-05-01')), 'from');
    expect((await engine.request('POST', '/predictions/batch', selection('2024-02-29', '2024-03-01T18:30:00+01:00'))).status).toBe(202);
  });

  it('refuses ESPN dates that do not exist and ranges that end before they start', async () => {
    expectBadField(await engine.request('POST', '/jobs/ingest-espn-scoreboard', { body: { league: 'eng.1', dates: '20250230' } }), 'dates', /real days/);
    expectBadField(await engine.request('POST', '/jobs/ingest-espn-scoreboard', { body: { league: 'eng.1', dates: '20250301-20250201' } }), 'dates', /end before/);
    expect((await engine.request('POST', '/jobs/ingest-espn-scoreboard', { body: { league: 'eng.1', dates: '20240229-20240301' } })).status).toBe(202);
  });

  it('refuses ranges that end before they start in a retraining or a replay', async () => {
    expectBadField(await engine.request('POST', '/jobs/ml-retrain', { body: { reason: 'manual', params: { fromDate: '2025-03-01', toDate: '2025-02-01' } } }), 'params.toDate');
    expectBadField(await engine.request('POST', '/jobs/ingest-replay', { body: { since: '2025-03-01T00:00:00Z', until: '2025-02-01T00:00:00Z' } }), 'until');
  });
});
