// Drift checks on stored predictions: a shifted feature and a worse rolling RPS open critical alerts that
// call the drift hook (one retraining per cooldown, however many alerts); unchanged columns stay quiet;
// small windows say "insufficient data"; one open alert per version × feature; list and resolve over HTTP.
import { beforeAll, describe, expect, it } from 'vitest';
import { distReady, normalQuantile } from '../../pipelines/_stats/dist.js';
import { sql } from '../../src/db/sql.js';
import { DAY_MS } from '../../src/time.js';
import { runJob, useStatsEngine } from './support.js';
import { seedCompetition, seedMatches, seedPredictions, seedVersion, type SeedPrediction } from './seed.js';

const s = useStatsEngine(() => ({ DRIFT_CURRENT_DAYS: '30', DRIFT_MIN_SAMPLE: '30', RETRAIN_COOLDOWN_MS: '3600000' }));
const now = Date.now();
let drifting: number, steady: number, tiny: number, second: number;

/** n evenly spaced normal quantiles: the same distribution for any n, without randomness. */
const normals = (n: number, mean: number, sd: number) => Array.from({ length: n }, (_, i) => mean + sd * normalQuantile((i + 0.5) / n));

async function seedVersionWindows(version: number, o: { nRef: number; nCur: number; shift: number; currentWrong: boolean; compId: number; teams: number[] }) {
  const ex = s.engine.deps.sql;
  const at = (i: number, cur: boolean) => new Date(now - (cur ? 2 + (i % 25) : 40 + (i % 80)) * DAY_MS);
  const all = [...Array(o.nRef)].map((_, i) => ({ cur: false, i })).concat([...Array(o.nCur)].map((_, i) => ({ cur: true, i })));
  // Home favourites throughout; the current window's matches end as away wins when currentWrong.
  const ids = await seedMatches(ex, o.compId, all.map(({ cur, i }) => ({
    kickoff: new Date(at(i, cur).getTime() + DAY_MS / 2), home: o.teams[i % 6]!, away: o.teams[(i + 1) % 6]!,
    homeScore: cur && o.currentWrong ? 0 : [2, 1, 0][i % 3]!, awayScore: cur && o.currentWrong ? 2 : [0, 1, 1][i % 3]!,
  })));
  const elo = [...normals(o.nRef, 0, 100), ...normals(o.nCur, o.shift, 100)];
  const temp = [...normals(o.nRef, 12, 5), ...normals(o.nCur, 12, 5)];
  const ph = [...normals(o.nRef, 0.5, 0.07), ...normals(o.nCur, 0.5, 0.07)];
  const preds: SeedPrediction[] = all.map(({ cur, i }, k) => ({
    matchId: ids[k]!, versionId: version, at: at(i, cur), p: [ph[k]!, 0.27, 1 - ph[k]! - 0.27],
    features: { elo_diff: elo[k]!, temperature_c: temp[k]! },
  }));
  await seedPredictions(ex, preds);
}

beforeAll(async () => {
  await distReady();
  const ex = s.engine.deps.sql;
  const comp = await seedCompetition(ex, 'drift.1');
  drifting = await seedVersion(ex, 'BASELINE', 'drifting');
  steady = await seedVersion(ex, 'BASELINE', 'steady');
  tiny = await seedVersion(ex, 'BASELINE', 'tiny');
  second = await seedVersion(ex, 'BASELINE', 'second');
  await seedVersionWindows(drifting, { nRef: 300, nCur: 120, shift: 80, currentWrong: true, compId: comp.id, teams: comp.teams });
  await seedVersionWindows(steady, { nRef: 300, nCur: 120, shift: 0, currentWrong: false, compId: comp.id, teams: comp.teams });
  await seedVersionWindows(tiny, { nRef: 300, nCur: 10, shift: 80, currentWrong: true, compId: comp.id, teams: comp.teams });
  await seedVersionWindows(second, { nRef: 300, nCur: 120, shift: 90, currentWrong: false, compId: comp.id, teams: comp.teams });
});

const alerts = async (q = '') => (await s.engine.request('GET', `/stats/drift${q}`)).body.items as Array<Record<string, any>>;

describe('drift', () => {
  it('a shifted feature and a worse rolling RPS open critical alerts; the hook starts one retraining', async () => {
    const job = await runJob(s.engine, 'stats-drift', { versionIds: [drifting, steady, tiny] });
    expect(job.state, job.failedReason).toBe('completed');
    const open = await alerts();
    const mine = open.filter((a) => a.modelVersionId === drifting);
    expect(mine.map((a) => a.feature).sort()).toEqual(['feature:elo_diff', 'performance:rps']);
    const elo = mine.find((a) => a.feature === 'feature:elo_diff')!;
    expect(elo).toMatchObject({ severity: 'critical', method: 'ks', status: 'open', window: { reference: { n: 300 }, current: { n: 120 } } });
    expect(elo.pValue).toBeLessThan(0.001);
    expect(elo.details.ksMethod).toBe('exact');
    expect(elo.details.psi).toBeGreaterThan(0.25);
    expect(mine.find((a) => a.feature === 'performance:rps')).toMatchObject({ severity: 'critical', method: 'rps_difference' });
    // The steady version drifts nowhere; the tiny one has too few current rows for a verdict.
    expect(open.filter((a) => a.modelVersionId === steady || a.modelVersionId === tiny)).toEqual([]);
    const tinyResult = job.result.results.find((r: { versionId: number }) => r.versionId === tiny);
    expect(tinyResult.drifted).toEqual([]);
    const check = await s.engine.deps.sql.one<{ results: { features: Array<{ feature: string; status: string }> } }>(sql`SELECT results FROM drift_checks WHERE model_version_id = ${tiny}::int`);
    expect(new Set(check.results.features.map((f) => f.status))).toEqual(new Set(['insufficient_data']));
    // Both critical alerts went to the hook; the cooldown made them one retraining.
    const ids = new Set(mine.map((a) => a.retrainJobId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTruthy();
    const metrics = (await s.engine.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/matchday_drift_alerts_total\{severity="critical",method="ks"\} 1/);
    expect(metrics).toMatch(/matchday_drift_open_alerts\{severity="critical"\} 2/);
  });

  it('keeps one open alert per version and feature; another version\'s alert storm joins the same retraining', async () => {
    const before = (await alerts('?status=all')).length;
    await runJob(s.engine, 'stats-drift', { versionIds: [drifting, second] });
    const all = await alerts('?status=all');
    expect(all.filter((a) => a.modelVersionId === drifting)).toHaveLength(2);
    const secondAlerts = all.filter((a) => a.modelVersionId === second);
    expect(secondAlerts.map((a) => a.feature)).toEqual(['feature:elo_diff']);
    expect(all.length).toBe(before + 1);
    expect(new Set(all.map((a) => a.retrainJobId)).size).toBe(1);
  });

  it('resolves an alert by hand (a repeat changes nothing), 404 for an unknown one, 400 naming a bad id or filter', async () => {
    const [a] = await alerts(`?modelVersionId=${second}`);
    const r = await s.engine.request('POST', `/stats/drift/${a!.id}/resolve`, { body: { by: 'oncall' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ changed: true, alert: { status: 'resolved', resolvedBy: 'oncall' } });
    expect((await s.engine.request('POST', `/stats/drift/${a!.id}/resolve`)).body.changed).toBe(false);
    expect((await alerts(`?modelVersionId=${second}`))).toEqual([]);
    expect((await alerts(`?status=resolved&modelVersionId=${second}`))).toHaveLength(1);
    expect((await s.engine.request('POST', '/stats/drift/99999/resolve')).status).toBe(404);
    const bad = await s.engine.request('POST', '/stats/drift/x/resolve');
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('id');
    const badQ = await s.engine.request('GET', '/stats/drift?status=closed');
    expect(badQ.status).toBe(400);
    expect(badQ.body.details[0].field).toBe('status');
  });
});
