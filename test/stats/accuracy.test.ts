// Accuracy and calibration per model version × league × window, computed in PostgreSQL: equal to the
// library's formulas on the same rows, windows by kick-off, the last pre-kick-off prediction per match,
// invalid rows reported and left out, yardsticks on the same matches; the routes, the SVG, the gauges;
// a full-time match event updating the versions that predicted the match.
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrationErrors, topLabelBins } from '../../pipelines/_stats/calibration.js';
import { summarise, type Outcome3, type Probs3 } from '../../pipelines/_stats/scores.js';
import { sql } from '../../src/db/sql.js';
import { DAY_MS } from '../../src/time.js';
import { waitFor } from '../support/engine.js';
import { runJob, useStatsEngine } from './support.js';
import { seedCompetition, seedMatches, seedPredictions, seedVersion } from './seed.js';

const s = useStatsEngine(() => ({ STATS_DEBOUNCE_MS: '200' }));
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY_MS);
let svc: number, base: number, ref: number, compId: number;
const expected: Array<{ age: number; p: Probs3; o: Outcome3; matchId: number }> = [];
let lateMatch: number;

// Deterministic probabilities and results.
const probsOf = (i: number): Probs3 => { const h = 0.2 + ((i * 37) % 50) / 100; const d = 0.15 + ((i * 11) % 15) / 100; return [h, d, +(1 - h - d).toFixed(10)] as Probs3; };
const scoreOf = (i: number): [number, number] => [[2, 1], [1, 1], [0, 2], [3, 0], [1, 2]][i % 5] as [number, number];
const outcome = ([h, a]: [number, number]): Outcome3 => (h > a ? 0 : h === a ? 1 : 2);

beforeAll(async () => {
  const ex = s.engine.deps.sql;
  const comp = await seedCompetition(ex, 'tst.1');
  compId = comp.id;
  svc = await seedVersion(ex, 'ML_SERVICE', 'svc-1');
  base = await seedVersion(ex, 'BASELINE', 'base-1', 'ACTIVE');
  ref = await seedVersion(ex, 'REFERENCE', 'ref-1');
  // 40 finished matches: 5 within 7 days, 10 more within 30, 10 more within 90, 15 older (last season).
  const ages = [...Array(5)].map((_, i) => 1 + i).concat([...Array(10)].map((_, i) => 10 + i), [...Array(10)].map((_, i) => 40 + i), [...Array(15)].map((_, i) => 200 + i));
  const ids = await seedMatches(ex, comp.id, ages.map((age, i) => ({
    kickoff: ago(age), home: comp.teams[i % 6]!, away: comp.teams[(i + 1) % 6]!, season: age >= 200 ? '2025' : '2026', homeScore: scoreOf(i)[0], awayScore: scoreOf(i)[1],
  })));
  const preds = [];
  for (let i = 0; i < ids.length; i++) {
    const ko = ago(ages[i]!);
    const p = probsOf(i);
    expected.push({ age: ages[i]!, p, o: outcome(scoreOf(i)), matchId: ids[i]! });
    // An earlier prediction (superseded), the one scored, and an in-play one after kick-off (never scored).
    preds.push({ matchId: ids[i]!, versionId: svc, p: [0.34, 0.33, 0.33] as Probs3, at: new Date(ko.getTime() - 2 * DAY_MS) });
    preds.push({ matchId: ids[i]!, versionId: svc, p, at: new Date(ko.getTime() - DAY_MS) });
    preds.push({ matchId: ids[i]!, versionId: svc, p: [0.9, 0.05, 0.05] as Probs3, at: new Date(ko.getTime() + 60_000) });
    preds.push({ matchId: ids[i]!, versionId: base, p: [0.45, 0.3, 0.25] as Probs3, at: new Date(ko.getTime() - DAY_MS) });
    if (i % 2 === 0) preds.push({ matchId: ids[i]!, versionId: ref, p: [0.5, 0.28, 0.22] as Probs3, at: new Date(ko.getTime() - 60_000) });
  }
  // A stored NaN forecast (as if written around the engine's checks): reported, never scored.
  const [bad] = await seedMatches(ex, comp.id, [{ kickoff: ago(3), home: comp.teams[0]!, away: comp.teams[2]!, homeScore: 1, awayScore: 1 }]);
  preds.push({ matchId: bad!, versionId: svc, p: [NaN, 0.5, 0.5] as unknown as Probs3, at: ago(4) });
  // A match that finishes later in the test (scheduled now).
  lateMatch = (await seedMatches(ex, comp.id, [{ kickoff: ago(0.1), home: comp.teams[3]!, away: comp.teams[4]!, status: 'SECOND_HALF', homeScore: 0, awayScore: 0 }]))[0]!;
  preds.push({ matchId: lateMatch!, versionId: svc, p: [0.6, 0.25, 0.15] as Probs3, at: ago(1) });
  await seedPredictions(ex, preds);
  const job = await runJob(s.engine, 'stats-accuracy', { trigger: 'full', rescore: 'all' });
  expect(job.state, job.failedReason).toBe('completed');
});

const expectClose = (a: number | null, b: number) => expect(Math.abs((a ?? NaN) - b)).toBeLessThan(1e-12);

describe('accuracy and calibration', () => {
  it('matches the library on the same rows, for each window; the latest pre-kick-off prediction counts; NaN is reported', async () => {
    const res = await s.engine.request('GET', `/stats/models/${svc}?league=tst.1`);
    expect(res.status).toBe(200);
    const byWindow = Object.fromEntries(res.body.stats.map((r: { window: string }) => [r.window, r]));
    const windows: Record<string, (age: number) => boolean> = { '7d': (a) => a < 7, '30d': (a) => a < 30, '90d': (a) => a < 90, season: (a) => a < 200, all: () => true };
    for (const [w, inWindow] of Object.entries(windows)) {
      const rows = expected.filter((e) => inWindow(e.age));
      const lib = summarise(rows.map((r) => r.p), rows.map((r) => r.o));
      const cal = calibrationErrors(topLabelBins(rows.map((r) => r.p), rows.map((r) => r.o), 10));
      const got = byWindow[w];
      expect(got.n, w).toBe(rows.length);
      expectClose(got.scores.rps, lib.rps);
      expectClose(got.scores.brier, lib.brier);
      expectClose(got.scores.logLoss, lib.logLoss);
      expectClose(got.scores.accuracy, lib.accuracy);
      expectClose(got.calibration.ece, cal.ece);
      expectClose(got.calibration.mce, cal.mce);
      expect(got.calibration.topLabel.bins).toHaveLength(10);
      expect(got.calibration.home.bins.reduce((n: number, b: { n: number }) => n + b.n, 0)).toBe(rows.length);
    }
    // The NaN forecast is 3 days old: in every window, counted as invalid, not scored.
    expect(byWindow['7d'].invalidPredictions).toBe(1);
  });

  it('scores the yardsticks on the same matches: the reference where stored, the active baseline', async () => {
    const res = await s.engine.request('GET', `/stats/models/${svc}?league=all&window=all`);
    const y = res.body.stats[0].yardsticks;
    const shared = expected.filter((_, i) => i % 2 === 0);
    expect(y.reference.n).toBe(shared.length);
    // Every score, on the shared matches only (the reference is missing on the others: they score nothing for it).
    const model = summarise(shared.map((r) => r.p), shared.map((r) => r.o));
    const reference = summarise(shared.map(() => [0.5, 0.28, 0.22] as Probs3), shared.map((r) => r.o));
    for (const k of ['rps', 'brier', 'logLoss', 'accuracy'] as const) {
      expectClose(y.reference.model[k], model[k]);
      expectClose(y.reference.yardstick[k], reference[k]);
    }
    expect(y.baseline.n).toBe(expected.length);
    const baseline = summarise(expected.map(() => [0.45, 0.3, 0.25] as Probs3), expected.map((r) => r.o));
    for (const k of ['rps', 'brier', 'logLoss', 'accuracy'] as const) expectClose(y.baseline.yardstick[k], baseline[k]);
    // A stored row scores a missing yardstick as nothing at all (no clipped log loss, no arg-max of nothing).
    const rows = await s.engine.deps.sql.one<{ without: string; stray: string }>(sql`
      SELECT count(*) FILTER (WHERE ref_rps IS NULL) AS without,
        count(*) FILTER (WHERE (ref_rps IS NULL AND (ref_brier IS NOT NULL OR ref_log_loss IS NOT NULL OR ref_hit IS NOT NULL))
          OR (base_rps IS NULL AND (base_brier IS NOT NULL OR base_log_loss IS NOT NULL OR base_hit IS NOT NULL))) AS stray
      FROM prediction_scores WHERE model_version_id = ${svc}::int`);
    expect(Number(rows.without)).toBeGreaterThan(0);
    expect(Number(rows.stray)).toBe(0);
  });

  it('answers an empty window with n = 0, and 400 naming the field for a bad window or league, 404 for an unknown version', async () => {
    const other = await seedCompetition(s.engine.deps.sql, 'empty.1');
    expect(other.id).toBeGreaterThan(compId);
    const empty = await s.engine.request('GET', `/stats/models/${svc}?league=empty.1&window=7d`);
    expect(empty.status).toBe(200);
    expect(empty.body.stats).toEqual([expect.objectContaining({ n: 0, note: 'no finished matches in this window' })]);
    const w = await s.engine.request('GET', `/stats/models/${svc}?window=week`);
    expect(w.status).toBe(400);
    expect(w.body.details[0].field).toBe('window');
    const l = await s.engine.request('GET', `/stats/models/${svc}?league=nope.9`);
    expect(l.status).toBe(400);
    expect(l.body.details[0].field).toBe('league');
    expect((await s.engine.request('GET', '/stats/models/999999')).status).toBe(404);
    expect((await s.engine.request('GET', '/stats/models/abc')).status).toBe(400);
  });

  it('draws the reliability diagram as SVG', async () => {
    const res = await fetch(`${s.engine.url}/stats/models/${svc}/calibration.svg?league=tst.1&window=all`, { headers: { 'x-api-key': 'test-api-key-0123456789abcdef' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    const svg = await res.text();
    expect(svg).toMatch(/^<svg /);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('n=40');
  });

  it('ranks versions by RPS on the matches they all predicted', async () => {
    const res = await s.engine.request('GET', `/stats/leaderboard?league=tst.1&window=all&versions=${svc},${base},${ref}`);
    expect(res.status).toBe(200);
    expect(res.body.sharedMatches).toBe(20);
    const shared = expected.filter((_, i) => i % 2 === 0);
    const rps = (p: (r: (typeof expected)[number]) => Probs3) => summarise(shared.map(p), shared.map((r) => r.o)).rps;
    const want = [[svc, rps((r) => r.p)], [base, rps(() => [0.45, 0.3, 0.25])], [ref, rps(() => [0.5, 0.28, 0.22])]].sort((a, b) => a[1]! - b[1]!);
    expect(res.body.entries.map((e: { modelVersionId: number }) => e.modelVersionId)).toEqual(want.map((w) => w[0]));
    res.body.entries.forEach((e: { rps: number }, i: number) => expectClose(e.rps, want[i]![1]!));
    expect((await s.engine.request('GET', '/stats/leaderboard?versions=1')).status).toBe(400);
  });

  it('exports gauges labelled by model, version, league and window (no ids)', async () => {
    const res = await s.engine.request('GET', '/metrics');
    expect(res.body).toMatch(/matchday_model_rps\{model="test-model",version="svc-1",league="tst.1",window="all"\} 0\.\d+/);
    expect(res.body).toMatch(/matchday_model_matches\{model="test-model",version="svc-1",league="all",window="7d"\} 5/);
  });

  it('a full-time event updates the statistics of the versions that predicted the match', async () => {
    await s.engine.deps.sql.execute(sql`UPDATE matches SET status = 'FULL_TIME', home_score = 2, away_score = 0 WHERE id = ${lateMatch}::int`);
    const before = Number((await s.engine.deps.sql.one<{ n: string }>(sql`SELECT count(*) AS n FROM model_stats WHERE trigger = 'match'`)).n);
    expect(before).toBe(0);
    const ev = await s.engine.request('POST', '/jobs/match-events', { body: { eventId: 'e1', matchId: lateMatch, kind: 'full-time', eventKey: 'status:FULL_TIME', status: 'FULL_TIME', homeScore: 2, awayScore: 0 } });
    expect(ev.status).toBe(202);
    const evJob = await waitFor(async () => { const j = (await s.engine.request('GET', `/jobs/match-events/${ev.body.id}`)).body; return ['completed', 'failed'].includes(j.state) && j; }, 15_000, 'the match event');
    expect(evJob.state, evJob.failedReason).toBe('completed');
    const row = await waitFor(() => s.engine.deps.sql.maybeOne<{ n: number }>(sql`
      SELECT n FROM model_stats WHERE trigger = 'match' AND model_version_id = ${svc}::int AND league = 'tst.1' AND "window" = '7d'`), 15_000, 'the incremental update');
    expect(row.n).toBe(6);
    // Only the versions that predicted the finished match were recomputed.
    expect(Number((await s.engine.deps.sql.one<{ n: string }>(sql`SELECT count(*) AS n FROM model_stats WHERE trigger = 'match' AND model_version_id <> ${svc}::int`)).n)).toBe(0);
  });
});
