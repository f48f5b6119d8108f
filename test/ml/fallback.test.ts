// The built-in baseline: the fallback while the ML service's breaker is open, the model when no ML service
// is configured, fitted on the spot when none exists, and refitted by ml-baseline-fit.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/engine.js';
import { FakeMlService } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { settled, type MlTestEngine } from './support.js';

const fake = new FakeMlService();
// Long enough that the breaker is still open for the second batch even on a loaded machine.
const RESET_MS = 4_000;
const withService = useMlEngine({
  fake,
  // Two failures open the breaker; it lets a probe through RESET_MS later.
  ml: { breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: RESET_MS, rollingWindowMs: 10_000 } },
  seed: { slug: 'liga', finished: 200, upcoming: 40 },
});
const withoutService = useMlEngine({ seed: { slug: 'serie', finished: 200, upcoming: 40, seed: 9 } });

const batch = async (engine: MlTestEngine, body: unknown) => {
  const res = await engine.request('POST', '/predictions/batch', { body });
  expect(res.status).toBe(202);
  return settled(engine, 'ml-predict-batch', res.body.id);
};
const breakerState = async (engine: MlTestEngine) =>
  (await engine.request('GET', '/status')).body.breakers.find((b: { name: string }) => b.name === 'ml-service')?.state;

describe('fallback to the baseline while the ML service breaker is open', () => {
  it('predicts with the baseline (fitted on the spot) once the breaker opens, under the baseline version', async () => {
    expect(await withService.engine.db.modelVersion.count({ where: { source: 'BASELINE' } })).toBe(0);
    fake.failNext(100, 500);
    const job = await batch(withService.engine, { matchIds: withService.league.upcomingIds.slice(0, 10) });
    // Attempts 1 and 2 reach the service and fail; then the breaker is open and attempt 3 uses the baseline.
    expect(fake.calls('/predictions/batch-predict')).toHaveLength(2);
    expect(job.result).toMatchObject({ chunks: { fellBack: 1 }, totals: { predicted: 10, failed: 0 }, byModelVersion: [{ source: 'BASELINE', predicted: 10 }] });
    expect((await withService.engine.request('GET', `/jobs/ml-predict-chunk/${job.id}-c0`)).body.result.fallback).toBe('circuit_open');
    expect(await breakerState(withService.engine)).toBe('open');

    const baseline = await withService.engine.db.modelVersion.findFirstOrThrow({ where: { source: 'BASELINE' } });
    expect(baseline).toMatchObject({ name: 'baseline-dc-elo', stage: 'ACTIVE' });
    expect(baseline.promotedAt).not.toBeNull();
    const rows = await withService.engine.db.prediction.findMany({ where: { runKey: `${job.id}-c0` } });
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.modelVersionId === baseline.id)).toBe(true);
    for (const r of rows) {
      expect(r.pHome + r.pDraw + r.pAway).toBeCloseTo(1, 9);
      expect(r.xgHome).toBeGreaterThan(0);
      expect(r.mostLikelyHome).not.toBeNull();
    }

    // While it stays open, a new batch goes straight to the baseline: the service sees nothing.
    const again = await batch(withService.engine, { matchIds: withService.league.upcomingIds.slice(10, 12) });
    expect(again.result.byModelVersion).toMatchObject([{ source: 'BASELINE', predicted: 2 }]);
    expect(fake.calls('/predictions/batch-predict')).toHaveLength(2);
    expect(await withService.engine.db.modelVersion.count({ where: { source: 'BASELINE' } })).toBe(1);
  });

  it('goes back to the service once the breaker closes again', async () => {
    fake.reset();
    await waitFor(async () => (await breakerState(withService.engine)) === 'half-open', RESET_MS + 2_000, 'the breaker to let a probe through');
    const job = await batch(withService.engine, { matchIds: withService.league.upcomingIds.slice(20, 25) });
    expect(job.result).toMatchObject({ chunks: { fellBack: 0 }, byModelVersion: [{ source: 'ML_SERVICE', version: 'svc-1', predicted: 5 }] });
    expect(fake.calls('/predictions/batch-predict')).toHaveLength(1);
    expect(await breakerState(withService.engine)).toBe('closed');
  });
});

describe('without an ML service', () => {
  it('predicts with the baseline, fitting it on the spot the first time', async () => {
    const job = await batch(withoutService.engine, { scheduledWithinDays: 30 });
    expect(job.result).toMatchObject({ planned: 40, totals: { predicted: 40, failed: 0, skipped: 0 }, byModelVersion: [{ source: 'BASELINE', predicted: 40 }] });
    expect(job.result.chunks.fellBack).toBe(0);
    const versions = await withoutService.engine.db.modelVersion.findMany();
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ source: 'BASELINE', stage: 'ACTIVE' });
    expect(versions[0]!.params).toMatchObject({ params: { name: 'baseline-dc-elo' } });
    expect(versions[0]!.trainedFrom).toEqual(await withoutService.engine.db.match.findFirst({ where: { status: 'FULL_TIME' }, orderBy: { kickoff: 'asc' } }).then((m) => m!.kickoff));
  });

  it('ranks the synthetic clubs by their known strengths', async () => {
    // Club index rises with strength; the strongest at home against the weakest must be a clear favourite.
    const [weakest, strongest] = [withoutService.league.teamIds[0]!, withoutService.league.teamIds.at(-1)!];
    const mk = (home: number, away: number, n: number) =>
      withoutService.engine.db.match.create({ data: { provider: 'test', providerId: `serie-x${n}`, competitionId: withoutService.league.competitionId, homeTeamId: home, awayTeamId: away, kickoff: new Date(Date.now() + 86_400_000) } });
    const [strongHome, weakHome] = await Promise.all([mk(strongest, weakest, 1), mk(weakest, strongest, 2)]);
    await batch(withoutService.engine, { matchIds: [strongHome.id, weakHome.id] });
    const [a, b] = await Promise.all([strongHome, weakHome].map((m) => withoutService.engine.db.prediction.findFirstOrThrow({ where: { matchId: m.id } })));
    expect(a!.pHome).toBeGreaterThan(0.55);
    expect(a!.predictedOutcome).toBe('HOME');
    expect(b!.pAway).toBeGreaterThan(b!.pHome);
    expect(a!.xgHome!).toBeGreaterThan(a!.xgAway!);
  });

  it('ml-baseline-fit registers nothing new for the same results, and activates a refit on new results', async () => {
    const first = await withoutService.engine.request('POST', '/jobs/ml-baseline-fit', { body: { reason: 'manual' } });
    const same = await settled(withoutService.engine, 'ml-baseline-fit', first.body.id);
    expect(same.result).toMatchObject({ created: false, activated: false, stage: 'ACTIVE', repredict: null });

    const last = await withoutService.engine.db.match.findFirstOrThrow({ where: { status: 'FULL_TIME' }, orderBy: { kickoff: 'desc' } });
    await withoutService.engine.db.match.create({ data: { provider: 'test', providerId: 'serie-new', competitionId: withoutService.league.competitionId, homeTeamId: withoutService.league.teamIds[1]!, awayTeamId: withoutService.league.teamIds[2]!, kickoff: new Date(last.kickoff.getTime() + 3_600_000), status: 'FULL_TIME', homeScore: 2, awayScore: 1 } });
    const second = await withoutService.engine.request('POST', '/jobs/ml-baseline-fit', { body: {} });
    const refit = await settled(withoutService.engine, 'ml-baseline-fit', second.body.id);
    expect(refit.result).toMatchObject({ created: true, activated: true, stage: 'ACTIVE' });
    expect(refit.result.version).not.toBe(same.result.version);
    const stages = await withoutService.engine.db.modelVersion.findMany({ orderBy: { id: 'asc' }, select: { stage: true } });
    expect(stages.map((s) => s.stage)).toEqual(['RETIRED', 'ACTIVE']);
    // Without an ML service the baseline makes the predictions, so the upcoming matches are re-predicted.
    expect(refit.result.repredict).toMatchObject({ queue: 'ml-predict-batch' });
    const upcoming = await withoutService.engine.db.match.count({ where: { status: 'SCHEDULED', kickoff: { gte: new Date(), lte: new Date(Date.now() + 14 * 86_400_000) } } });
    const repredicted = await settled(withoutService.engine, 'ml-predict-batch', refit.result.repredict.id);
    expect(repredicted.result.byModelVersion).toMatchObject([{ modelVersionId: refit.result.modelVersionId, predicted: upcoming }]);
  });
});
