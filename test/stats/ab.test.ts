// A/B tests between model versions: bad input, deterministic arms (the same in JS and SQL, and on served
// predictions), the paired sequential analysis on real backfilled seasons (two refit policies), early
// conclusion with promotion of a clearly better treatment, a sample-ratio mismatch blocking a decision, stop.
import { beforeAll, describe, expect, it } from 'vitest';
import { armOf, bucketOf, bucketSql } from '../../pipelines/_stats/ab/assign.js';
import { storePredictions } from '../../pipelines/_ml/store.js';
import { rps, type Outcome3, type Probs3 } from '../../pipelines/_stats/scores.js';
import { sql } from '../../src/db/sql.js';
import { DAY_MS } from '../../src/time.js';
import { FIXTURE_DATA, runJob, useStatsEngine } from './support.js';
import { seedCompetition, seedMatches, seedPredictions, seedVersion, type SeedPrediction } from './seed.js';

const s = useStatsEngine(() => ({ BACKFILL_DATA_DIR: FIXTURE_DATA }));
let weekly: number, monthly: number, ref: number, good: number, flat: number, served: number[] = [];

beforeAll(async () => {
  const job = await runJob(s.engine, 'ml-backfill', { leagues: ['E0'], refitDays: [7, 28] }, 120_000);
  expect(job.state, job.failedReason).toBe('completed');
  weekly = job.result.versions['1.0.0+backfill.refit-7d'];
  monthly = job.result.versions['1.0.0+backfill.refit-28d'];
  ref = job.result.referenceVersionId;
  // A clearly better and a flat forecaster on 300 seeded finished matches.
  const ex = s.engine.deps.sql;
  const comp = await seedCompetition(ex, 'ab.1');
  flat = await seedVersion(ex, 'BASELINE', 'flat', 'ACTIVE');
  good = await seedVersion(ex, 'BASELINE', 'good');
  const now = Date.now();
  const results: Array<[number, number]> = [[2, 0], [1, 1], [0, 1]];
  const ids = await seedMatches(ex, comp.id, Array.from({ length: 300 }, (_, i) => ({
    kickoff: new Date(now - (300 - i) * DAY_MS / 4), home: comp.teams[i % 6]!, away: comp.teams[(i + 2) % 6]!, homeScore: results[i % 3]![0], awayScore: results[i % 3]![1],
  })));
  const preds: SeedPrediction[] = [];
  ids.forEach((matchId, i) => {
    const at = new Date(now - (300 - i) * DAY_MS / 4 - DAY_MS);
    const o = i % 3;
    preds.push({ matchId, versionId: flat, p: [0.34, 0.33, 0.33], at });
    // Right most of the time, wrong on every seventh match.
    const p: [number, number, number] = i % 7 === 0 ? [0.15, 0.15, 0.7] : [o === 0 ? 0.7 : 0.15, o === 1 ? 0.7 : 0.15, o === 2 ? 0.7 : 0.15];
    preds.push({ matchId, versionId: good, p, at });
  });
  await seedPredictions(ex, preds);
  served = ids.slice(0, 40);
}, 180_000);

const create = (body: Record<string, unknown>) => s.engine.request('POST', '/ab-tests', { body });

describe('A/B tests', () => {
  it('refuses the same version in both arms, a split outside (0, 1), unknown or reference versions — each naming the field', async () => {
    const same = await create({ name: 'x', controlVersionId: weekly, treatmentVersionId: weekly });
    expect(same.status).toBe(400);
    expect(same.body.details).toEqual([expect.objectContaining({ field: 'treatmentVersionId' })]);
    for (const split of [0, 1, 1.5, -0.2]) {
      const r = await create({ name: 'x', controlVersionId: weekly, treatmentVersionId: monthly, split });
      expect(r.status, String(split)).toBe(400);
      expect(r.body.details[0].field).toBe('split');
    }
    const unknown = await create({ name: 'x', controlVersionId: weekly, treatmentVersionId: 999_999 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0]).toMatchObject({ field: 'treatmentVersionId', message: 'no model version 999999' });
    const reference = await create({ name: 'x', controlVersionId: ref, treatmentVersionId: weekly });
    expect(reference.status).toBe(400);
    expect(reference.body.details[0].field).toBe('controlVersionId');
  });

  it('assigns arms by a deterministic hash of the match id: the same in JS and SQL, close to the split', async () => {
    const rows = await s.engine.deps.sql.query<{ m: number; b: string }>(sql`SELECT m, ${bucketSql(sql`${7}::int`, sql`m`)} AS b FROM generate_series(1, 2000) AS m`);
    for (const r of rows) expect(Number(r.b)).toBe(bucketOf(7, r.m));
    const treated = rows.filter((r) => armOf(7, r.m, 0.3) === 'treatment').length;
    expect(treated / rows.length).toBeGreaterThan(0.26);
    expect(treated / rows.length).toBeLessThan(0.34);
    expect(armOf(7, 123, 0.3)).toBe(armOf(7, 123, 0.3));
  });

  it('replays two baseline refit policies over a backfilled season: the paired analysis of the stored forecasts', async () => {
    const c = await create({ name: 'weekly vs monthly refit', controlVersionId: weekly, treatmentVersionId: monthly, from: '2023-08-01', minSample: 50, maxDurationDays: 365, nStar: 760 });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ status: 'running', split: 0.5, metric: 'rps' });
    const res = await s.engine.request('GET', `/ab-tests/${c.body.id}`);
    expect(res.status).toBe(200);
    const st = res.body.statistics;
    // The per-match losses are the stored forecasts' RPS.
    const rows = await s.engine.deps.sql.query<{ match_id: number; arm: string; control_loss: number; treatment_loss: number; ph: number; pd: number; pa: number; o: number }>(sql`
      SELECT t.match_id, t.arm, t.control_loss, t.treatment_loss, p.p_home AS ph, p.p_draw AS pd, p.p_away AS pa,
        CASE WHEN m.home_score > m.away_score THEN 0 WHEN m.home_score = m.away_score THEN 1 ELSE 2 END AS o
      FROM ab_test_matches t JOIN predictions p ON p.match_id = t.match_id AND p.model_version_id = ${weekly}::int JOIN matches m ON m.id = t.match_id
      WHERE t.ab_test_id = ${c.body.id}::int ORDER BY t.kickoff, t.match_id`);
    expect(rows).toHaveLength(380);
    for (const r of rows) expect(Math.abs(r.control_loss - rps([r.ph, r.pd, r.pa] as Probs3, r.o as Outcome3))).toBeLessThan(1e-12);
    for (const r of rows) expect(r.arm).toBe(armOf(c.body.id, r.match_id, 0.5));
    // Either it concluded at some match (then n is where it stopped) or it ran through all 380.
    const used = rows.slice(0, st.n);
    const d = used.map((r) => r.treatment_loss - r.control_loss);
    expect(Math.abs(st.paired.delta - d.reduce((a, b) => a + b, 0) / d.length)).toBeLessThan(1e-12);
    expect(st.srm.status).toBe('healthy');
    expect(st.srm.observed[0] + st.srm.observed[1]).toBe(st.n);
    expect(st.paired.sequential.lower).toBeLessThan(st.paired.sequential.upper);
    expect(['running', 'concluded']).toContain(res.body.status);
    if (res.body.status === 'running') expect(st.n).toBe(380);
  });

  it('concludes once the sequential interval excludes 0 with the minimum sample reached, and promotes the winner', async () => {
    const c = await create({ name: 'good vs flat', controlVersionId: flat, treatmentVersionId: good, from: new Date(Date.now() - 200 * DAY_MS).toISOString(), maxDurationDays: 365, minSample: 60, autoPromote: true });
    const job = await runJob(s.engine, 'stats-ab', { testId: c.body.id });
    expect(job.result.results[0]).toMatchObject({ status: 'concluded', decision: 'treatment', promoted: true });
    const t = (await s.engine.request('GET', `/ab-tests/${c.body.id}`)).body;
    expect(t).toMatchObject({ status: 'concluded', decision: 'treatment', winnerVersionId: good });
    // It stopped at the first look where both held: the minimum sample, and p < α.
    expect(t.statistics.n).toBeGreaterThanOrEqual(60);
    expect(t.statistics.n).toBeLessThan(300);
    expect(t.statistics.paired.sequential.pValue).toBeLessThan(0.05);
    expect(t.statistics.paired.sequential.upper).toBeLessThan(0);
    expect(t.statistics.bayesian.chanceToBeatControl).toBeGreaterThan(0.95);
    expect((await s.engine.db.modelVersion.findUniqueOrThrow({ where: { id: good } })).stage).toBe('ACTIVE');
  });

  it('a sample-ratio mismatch marks the test unhealthy and blocks the decision', async () => {
    const c = await create({ name: 'srm', controlVersionId: good, treatmentVersionId: flat, from: new Date(Date.now() - 200 * DAY_MS).toISOString(), maxDurationDays: 365, minSample: 60 });
    // A broken assignment: nine matches in ten served from control.
    await s.engine.deps.sql.execute(sql`INSERT INTO ab_test_matches (ab_test_id, match_id, arm, kickoff, control_loss, treatment_loss)
      SELECT ${c.body.id}::int, m.id, CASE WHEN row_number() OVER (ORDER BY m.kickoff) % 10 = 0 THEN 'treatment' ELSE 'control' END, m.kickoff, 0.1, 0.3
      FROM matches m JOIN competitions co ON co.id = m.competition_id WHERE co.slug = 'ab.1'`);
    const t = (await s.engine.request('GET', `/ab-tests/${c.body.id}`)).body;
    expect(t.statistics.srm.status).toBe('mismatch');
    expect(t.statistics.healthy).toBe(false);
    expect(t.statistics.verdict).toBe('unhealthy');
    expect(t.status).toBe('running');
    expect(t.decision).toBeNull();
  });

  it('predictions served while a version is an arm carry the test and the arm of their match', async () => {
    const c = await create({ name: 'served', controlVersionId: weekly, treatmentVersionId: monthly, split: 0.5 });
    const rows = served.map((matchId) => ({ matchId, home: 0.5, draw: 0.3, away: 0.2, xgHome: null, xgAway: null, mostLikelyScore: null }));
    await storePredictions(s.engine.deps.sql, 'serve-1', weekly, rows, [0.45, 0.6]);
    await storePredictions(s.engine.deps.sql, 'serve-1', monthly, rows, [0.45, 0.6]);
    const stored = await s.engine.deps.sql.query<{ match_id: number; model_version_id: number; ab_test_id: number | null; ab_arm: string | null }>(sql`
      SELECT match_id, model_version_id, ab_test_id, ab_arm FROM predictions WHERE run_key = 'serve-1'`);
    expect(stored).toHaveLength(80);
    for (const r of stored) {
      const arm = armOf(c.body.id, r.match_id, 0.5);
      const servedFrom = arm === 'control' ? weekly : monthly;
      expect(r.ab_arm).toBe(r.model_version_id === servedFrom ? arm : null);
      expect(r.ab_test_id).toBe(r.model_version_id === servedFrom ? c.body.id : null);
    }
  });

  it('stops a test (a repeat changes nothing); 404 for an unknown test', async () => {
    const c = await create({ name: 'to stop', controlVersionId: flat, treatmentVersionId: monthly, start: false });
    expect(c.body.status).toBe('draft');
    const stop = await s.engine.request('POST', `/ab-tests/${c.body.id}/stop`);
    expect(stop.body).toMatchObject({ status: 'stopped', changed: true });
    expect((await s.engine.request('POST', `/ab-tests/${c.body.id}/stop`)).body.changed).toBe(false);
    expect((await s.engine.request('POST', '/ab-tests/999999/stop')).status).toBe(404);
    expect((await s.engine.request('GET', '/ab-tests/abc')).status).toBe(400);
  });
});
