// ml-backfill on real (sample) seasons: finished matches, walk-forward predictions per refit policy and
// the closing-odds reference in the database; the statistics computed from them equal the evaluation's
// figures; a second run writes nothing; bad files and rows are quarantined with their reason.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateLeague } from '../../pipelines/_baseline-model/walk-forward.js';
import { sql } from '../../src/db/sql.js';
import { FIXTURE_DATA, runJob, useStatsEngine } from './support.js';

const data = mkdtempSync(path.join(tmpdir(), 'backfill-'));
cpSync(path.join(FIXTURE_DATA, 'E0'), path.join(data, 'E0'), { recursive: true });
// BAD: a real season plus a row with a bad goal cell and one naming a club the season does not know.
mkdirSync(path.join(data, 'BAD'));
const season = readFileSync(path.join(FIXTURE_DATA, 'E0', '2022-23.csv'), 'utf8').trimEnd();
const header = season.split('\n')[0]!;
const cols = header.split(',').length;
const row = (cells: Record<number, string>) => Array.from({ length: cols }, (_, i) => cells[i] ?? '').join(',');
writeFileSync(path.join(data, 'BAD', '2022-23.csv'), `${season}\n${row({ 0: 'E0', 1: '01/06/2023', 2: '15:00', 3: 'Arsenal', 4: 'Chelsea', 5: 'x', 6: '1' })}\n${row({ 0: 'E0', 1: '02/06/2023', 2: '15:00', 3: 'Arsenal', 4: 'Arsenel', 5: '2', 6: '1' })}\n`);
// MISS: one file without the FTAG column (quarantined whole), one good file (loaded).
mkdirSync(path.join(data, 'MISS'));
writeFileSync(path.join(data, 'MISS', '2021-22.csv'), 'Div,Date,HomeTeam,AwayTeam,FTHG\nE0,13/08/2021,Brentford,Arsenal,2\n');
cpSync(path.join(FIXTURE_DATA, 'E0', '2023-24.csv'), path.join(data, 'MISS', '2023-24.csv'));

const s = useStatsEngine(() => ({ BACKFILL_DATA_DIR: data }));
afterAll(() => rmSync(data, { recursive: true, force: true }));

const count = async (q: ReturnType<typeof sql>) => Number((await s.engine.deps.sql.one<{ n: string }>(q)).n);

describe('ml-backfill', () => {
  it('stores matches, one version per refit policy and the reference; the statistics equal the evaluation to 1e-9', async () => {
    const job = await runJob(s.engine, 'ml-backfill', { leagues: ['E0'], refitDays: [7, 28] }, 120_000);
    expect(job.state, job.failedReason).toBe('completed');
    const r = job.result;
    // Two seasons without history: the first is burn-in, the second (380 matches) is forecast.
    expect(r.leagues.E0).toMatchObject({ matches: 760, predictions: 760, reference: 380, quarantined: 0, rejected: 0 });
    const versions = await s.engine.db.modelVersion.findMany({ orderBy: { id: 'asc' } });
    expect(versions.map((v) => [v.source, v.version, v.stage])).toEqual([
      ['BASELINE', '1.0.0+backfill.refit-7d', 'CANDIDATE'], ['BASELINE', '1.0.0+backfill.refit-28d', 'CANDIDATE'], ['REFERENCE', 'demargined-multiplicative', 'CANDIDATE'],
    ]);
    // Every forecast was made before its kick-off, from stored features.
    expect(await count(sql`SELECT count(*) AS n FROM predictions p JOIN matches m ON m.id = p.match_id WHERE p.created_at >= m.kickoff`)).toBe(0);
    expect(await count(sql`SELECT count(*) AS n FROM predictions WHERE model_version_id = ${versions[0]!.id}::int AND features ? 'elo_diff' AND features ? 'xg_home'`)).toBe(380);

    for (const [i, refitDays] of [[0, 7], [1, 28]] as const) {
      const ev = evaluateLeague({ data, league: 'E0', refitDays });
      const stat = await s.engine.deps.sql.one<{ n: number; rps: number; yardsticks: any }>(sql`
        SELECT n, rps, yardsticks FROM model_stats WHERE model_version_id = ${versions[i]!.id}::int AND league = 'E0' AND "window" = 'all' ORDER BY id DESC LIMIT 1`);
      expect(ev.n).toBe(380);
      expect(stat.yardsticks.reference.n).toBe(ev.n);
      expect(Math.abs(stat.yardsticks.reference.model.rps - ev.baseline.rps)).toBeLessThan(1e-9);
      expect(Math.abs(stat.yardsticks.reference.yardstick.rps - ev.pinnacle.rps)).toBeLessThan(1e-9);
      expect(Math.abs(stat.yardsticks.reference.model.brier - ev.baseline.brier)).toBeLessThan(1e-9);
      expect(Math.abs(stat.yardsticks.reference.model.logLoss - ev.baseline.logLoss)).toBeLessThan(1e-9);
      expect(Math.abs(stat.yardsticks.reference.model.accuracy - ev.baseline.accuracy)).toBeLessThan(1e-9);
    }
  });

  it('a second run writes nothing', async () => {
    const before = await count(sql`SELECT (SELECT count(*) FROM predictions) + (SELECT count(*) FROM matches) + (SELECT count(*) FROM model_stats) + (SELECT count(*) FROM teams) AS n`);
    const job = await runJob(s.engine, 'ml-backfill', { leagues: ['E0'], refitDays: [7, 28] }, 120_000);
    expect(job.result.leagues.E0).toMatchObject({ matches: 0, predictions: 0, reference: 0, quarantined: 0 });
    expect(job.result.statsRows).toBe(0);
    expect(await count(sql`SELECT (SELECT count(*) FROM predictions) + (SELECT count(*) FROM matches) + (SELECT count(*) FROM model_stats) + (SELECT count(*) FROM teams) AS n`)).toBe(before);
  });

  it('quarantines a file with missing columns and rows with bad cells or unknown clubs, and loads the rest', async () => {
    const job = await runJob(s.engine, 'ml-backfill', { leagues: ['BAD', 'MISS'], reference: false }, 120_000);
    expect(job.state, job.failedReason).toBe('completed');
    expect(job.result.leagues.BAD).toMatchObject({ matches: 380, quarantined: 2 });
    expect(job.result.leagues.MISS).toMatchObject({ matches: 380, quarantined: 1 });
    const q = await s.engine.db.quarantinedRecord.findMany({ where: { source: 'football-data' }, orderBy: { recordKey: 'asc' } });
    expect(q.map((r) => [r.recordKey, r.error])).toEqual([
      ['BAD/2022-23:382', 'FTHG "x" is not a goal count'],
      ['BAD/2022-23:383', 'unknown team "Arsenel" (named in fewer than 3 matches of the season)'],
      ['MISS/2021-22', 'missing column FTAG'],
    ]);
  });

  it('refuses a payload naming no league folder (400), and fails for good on a league missing from the data', async () => {
    const bad = await s.engine.request('POST', '/jobs/ml-backfill', { body: { leagues: ['../etc'] } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('leagues');
    const job = await runJob(s.engine, 'ml-backfill', { leagues: ['XX'] });
    expect(job.state).toBe('failed');
    expect(job.failedReason).toMatch(/no folder for league XX/);
    expect(job.attempts).toBe(1);
  });
});
