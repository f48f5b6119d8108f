// Batch predictions through the real engine, flow and PostgreSQL against the fake ML service over HTTP.
import { mlPredictChunk } from '../../queues/ml-predict-chunk.js';
import { describe, expect, it } from 'vitest';
import { FakeMlService, fakeProbabilities } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { seedLeague } from './seed.js';
import { settled } from './support.js';

const fake = new FakeMlService();
// PREDICT_CONCURRENCY=1: chunks run one at a time, so progress moves in visible steps and the bound is testable.
const ml = useMlEngine({ fake, env: { PREDICT_CHUNK_SIZE: '100', PREDICT_CONCURRENCY: '1' }, seed: { slug: 'epl', upcoming: 250 } });

const submit = async (body: unknown, headers: Record<string, string> = {}) => {
  const res = await ml.engine.request('POST', '/predictions/batch', { body, headers });
  expect([200, 202]).toContain(res.status);
  expect(res.body.queue).toBe('ml-predict-batch');
  return res;
};
const predictions = (runKeyPrefix: string) => ml.engine.db.prediction.findMany({ where: { runKey: { startsWith: runKeyPrefix } }, include: { modelVersion: true } });

describe('batch predictions', () => {
  it('splits 250 matches into 3 chunks, reports progress to 100 % and summarises per model version', async () => {
    fake.reset();
    fake.latencyMs = 150;
    const { body, status } = await submit({ scheduledWithinDays: 30 });
    expect(status).toBe(202);
    const seen = new Set<number>();
    let job;
    for (;;) {
      job = (await ml.engine.request('GET', `/jobs/ml-predict-batch/${body.id}`)).body;
      if (typeof job.progress === 'number') seen.add(job.progress);
      if (['completed', 'failed'].includes(job.state)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(job.state).toBe('completed');
    expect(job.progress).toBe(100);
    expect([...seen].some((p) => p > 0 && p < 100)).toBe(true);
    expect(job.result).toMatchObject({
      planned: 250,
      chunks: { total: 3, succeeded: 3, failed: 0, fellBack: 0 },
      totals: { predicted: 250, failed: 0, skipped: 0 },
      byModelVersion: [{ source: 'ML_SERVICE', version: 'svc-1', predicted: 250, failed: 0, skipped: 0 }],
    });
    const sizes = fake.calls('/predictions/batch-predict').map((r) => r.body.match_ids.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(fake.maxInFlight).toBe(1);
    for (const i of [0, 1, 2]) expect((await ml.engine.request('GET', `/jobs/ml-predict-chunk/${body.id}-c${i}`)).body.state).toBe('completed');

    const rows = await predictions(`${body.id}-c`);
    expect(rows).toHaveLength(250);
    expect(new Set(rows.map((r) => r.matchId))).toEqual(new Set(ml.league.upcomingIds));
    const row = rows.find((r) => r.matchId === ml.league.upcomingIds[0])!;
    const p = fakeProbabilities(row.matchId);
    expect(row).toMatchObject({ pHome: p.home, pDraw: p.draw, xgHome: 1.5, xgAway: 1.1, mostLikelyHome: 1, mostLikelyAway: 0 });
    expect(row.confidence).toBeCloseTo(Math.max(p.home, p.draw, p.away), 12);
    expect(row.confidenceLevel).toBe(row.confidence < 0.45 ? 'low' : row.confidence < 0.6 ? 'medium' : 'high');
    expect(row.modelVersion).toMatchObject({ source: 'ML_SERVICE', version: 'svc-1', stage: 'CANDIDATE' });
  });

  it('returns the same batch for a repeated Idempotency-Key and predicts once', async () => {
    fake.reset();
    const ids = ml.league.upcomingIds.slice(0, 30);
    const first = await submit({ matchIds: ids }, { 'idempotency-key': 'batch-key-1' });
    const again = await submit({ matchIds: ids }, { 'idempotency-key': 'batch-key-1' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await settled(ml.engine, 'ml-predict-batch', first.body.id)).result.totals).toEqual({ predicted: 30, failed: 0, skipped: 0 });
    const third = await submit({ matchIds: ids }, { 'idempotency-key': 'batch-key-1' });
    expect(third.body.id).toBe(first.body.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls('/predictions/batch-predict')).toHaveLength(1);
    expect(await predictions(first.body.id)).toHaveLength(30);
    // The same key with another selection is a conflict, not silently the first batch.
    const other = await ml.engine.request('POST', '/predictions/batch', { body: { matchIds: ids.slice(0, 3) }, headers: { 'idempotency-key': 'batch-key-1' } });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatch(/submitted before with another payload/);
  });

  it('adds rows on a re-prediction (history) but not when the same chunk job runs again', async () => {
    const ids = ml.league.upcomingIds.slice(0, 5);
    const a = await submit({ matchIds: ids });
    const b = await submit({ matchIds: ids });
    await Promise.all([settled(ml.engine, 'ml-predict-batch', a.body.id), settled(ml.engine, 'ml-predict-batch', b.body.id)]);
    const history = await ml.engine.db.prediction.count({ where: { matchId: ids[0], runKey: { in: [`${a.body.id}-c0`, `${b.body.id}-c0`] } } });
    expect(history).toBe(2);

    // The same chunk job id run twice (as after a crash between the insert and BullMQ's bookkeeping).
    const chunk = { batchId: 'no-such-batch', index: 0, count: 1, matchIds: ids };
    const queue = ml.engine.producer.queue('ml-predict-chunk');
    await ml.engine.producer.enqueue(mlPredictChunk, chunk, { jobId: 'replayed-chunk' });
    const once = await settled(ml.engine, 'ml-predict-chunk', 'replayed-chunk');
    expect(once.result.counts).toEqual({ predicted: 5, failed: 0, skipped: 0 });
    await queue.remove('replayed-chunk');
    await ml.engine.producer.enqueue(mlPredictChunk, chunk, { jobId: 'replayed-chunk' });
    const twice = await settled(ml.engine, 'ml-predict-chunk', 'replayed-chunk');
    expect(twice.state).toBe('completed');
    expect(twice.result.counts).toEqual({ predicted: 0, failed: 0, skipped: 5 });
    expect(await ml.engine.db.prediction.count({ where: { runKey: 'replayed-chunk' } })).toBe(5);
  });

  it('drops a match deleted after it was selected, counting it as skipped', async () => {
    const chunk = { batchId: 'no-such-batch', index: 0, count: 1, matchIds: [ml.league.upcomingIds[70]!, 88_888_888] };
    await ml.engine.producer.enqueue(mlPredictChunk, chunk, { jobId: 'chunk-with-a-deleted-match' });
    const job = await settled(ml.engine, 'ml-predict-chunk', 'chunk-with-a-deleted-match');
    expect(job.state).toBe('completed');
    expect(job.result).toMatchObject({ missing: 1, counts: { predicted: 1, failed: 0, skipped: 1 } });
    expect(await ml.engine.db.prediction.count({ where: { runKey: 'chunk-with-a-deleted-match' } })).toBe(1);
  });

  it('records per-match errors from the service without failing the chunk', async () => {
    fake.reset();
    const ids = ml.league.upcomingIds.slice(10, 20);
    fake.errorIds.add(ids[2]!).add(ids[7]!);
    const { body } = await submit({ matchIds: ids });
    const job = await settled(ml.engine, 'ml-predict-batch', body.id);
    expect(job.result.totals).toEqual({ predicted: 8, failed: 2, skipped: 0 });
    expect(job.result.byModelVersion[0]).toMatchObject({ version: 'svc-1', predicted: 8, failed: 2 });
    const errors = await ml.engine.db.predictionError.findMany({ where: { runKey: `${body.id}-c0` }, orderBy: { matchId: 'asc' } });
    expect(errors.map((e) => [e.matchId, e.code, e.retryable])).toEqual([[ids[2], 'FEATURES_UNAVAILABLE', true], [ids[7], 'FEATURES_UNAVAILABLE', true]].sort((x, y) => Number(x[0]) - Number(y[0])));
    expect(await predictions(body.id)).toHaveLength(8);
  });

  it('retries a chunk whose answer breaks the contract, then stores the valid answer once', async () => {
    fake.reset();
    fake.invalidNext(1);
    const ids = ml.league.upcomingIds.slice(20, 30);
    const { body } = await submit({ matchIds: ids });
    const job = await settled(ml.engine, 'ml-predict-batch', body.id);
    expect(job.result.totals).toEqual({ predicted: 10, failed: 0, skipped: 0 });
    const chunk = (await ml.engine.request('GET', `/jobs/ml-predict-chunk/${body.id}-c0`)).body;
    expect(chunk.attempts).toBe(2);
    expect(fake.calls('/predictions/batch-predict')).toHaveLength(2);
    expect(ml.engine.logs.join('')).toMatch(/invalid batch-predict response: predictions\.0\.probabilities: probabilities sum to 1\.2/);
    expect(await predictions(body.id)).toHaveLength(10);
  });

  it('waits out a 503 Retry-After before retrying the chunk', async () => {
    fake.reset();
    fake.failNext(1, 503, 1);
    const { body } = await submit({ matchIds: ml.league.upcomingIds.slice(30, 33) });
    const job = await settled(ml.engine, 'ml-predict-batch', body.id);
    expect(job.result.totals.predicted).toBe(3);
    const [a, b] = fake.calls('/predictions/batch-predict').map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(950);
  });

  it('falls back to the baseline on the last attempt when the service stays down', async () => {
    fake.reset();
    // Also gives the baseline its data: without finished matches it could not be fitted.
    await seedLeague(ml.engine.db, { slug: 'hist', finished: 120, seed: 3 });
    fake.failNext(5, 500); // every one of the chunk's 5 attempts
    const { body } = await submit({ matchIds: ml.league.upcomingIds.slice(40, 44) });
    const job = await settled(ml.engine, 'ml-predict-batch', body.id);
    expect(job.result.chunks.fellBack).toBe(1);
    expect(job.result.byModelVersion).toMatchObject([{ source: 'BASELINE', predicted: 4 }]);
    expect(fake.calls('/predictions/batch-predict')).toHaveLength(5);
    expect((await ml.engine.request('GET', `/jobs/ml-predict-chunk/${body.id}-c0`)).body).toMatchObject({ state: 'completed', attempts: 5, result: { fallback: 'service_down' } });
  });

  it('counts unknown ids and placeholder matches as skipped', async () => {
    const placeholder = await ml.engine.db.match.create({ data: { provider: 'test', providerId: 'ph-1', competitionId: ml.league.competitionId, kickoff: new Date(Date.now() + 86_400_000), homeTeamPlaceholder: 'Winner QF1', awayTeamPlaceholder: 'Winner QF2' } });
    const { body } = await submit({ matchIds: [ml.league.upcomingIds[50]!, placeholder.id, 99_999_999] });
    const job = await settled(ml.engine, 'ml-predict-batch', body.id);
    expect(job.result).toMatchObject({ planned: 1, totals: { predicted: 1, failed: 0, skipped: 2 } });
  });

  it('a hand-enqueued batch starts a flow and names it', async () => {
    const res = await ml.engine.request('POST', '/jobs/ml-predict-batch', { body: { matchIds: ml.league.upcomingIds.slice(60, 62) } });
    expect(res.status).toBe(202);
    const plain = await settled(ml.engine, 'ml-predict-batch', res.body.id);
    expect(plain.result).toEqual({ delegatedTo: { queue: 'ml-predict-batch', id: `${res.body.id}-flow` } });
    const flow = await settled(ml.engine, 'ml-predict-batch', `${res.body.id}-flow`);
    expect(flow.result.totals.predicted).toBe(2);
  });

  it('rejects invalid selections naming the fields', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ league: 'epl' }, ['from', 'to']],
      [{ league: 'nope', from: '2026-01-01', to: '2026-01-31' }, ['league']],
      [{ league: 'epl', from: '2026-02-01', to: '2026-01-01' }, ['to']],
      [{ matchIds: [1], scheduledWithinDays: 3 }, ['scheduledWithinDays']],
      [{ matchIds: ['x'] }, ['matchIds.0']],
      [{ scheduledWithinDays: 3, from: '2026-01-01' }, ['from']],
      [{ scheduledWithinDays: 3, colour: 'red' }, ['(root)']],
      [{ scheduledWithinDays: 3, modelVersion: 'svc-unknown' }, ['modelVersion']],
      [{}, ['(root)']],
    ];
    for (const [body, fields] of cases) {
      const res = await ml.engine.request('POST', '/predictions/batch', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field).sort(), JSON.stringify(res.body)).toEqual(fields);
    }
  });

  it('selects a league by slug or provider id and a kick-off window', async () => {
    const from = new Date(Date.now()).toISOString();
    const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const expected = await ml.engine.db.match.count({ where: { competitionId: ml.league.competitionId, kickoff: { gte: new Date(from), lte: new Date(to) }, homeTeamId: { not: null } } });
    expect(expected).toBeGreaterThan(0);
    for (const name of ['epl', 'EPL']) {
      const { body } = await submit({ league: name, from, to });
      expect((await settled(ml.engine, 'ml-predict-batch', body.id)).result.planned).toBe(expected);
    }
  });
});
