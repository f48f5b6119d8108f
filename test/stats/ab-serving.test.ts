// Served predictions and A/B tests: while a running test has the serving version as an arm, the other
// arm predicts the same matches too (both arms predict every match), and each prediction served from
// an arm carries the test and the arm of its match.
import { beforeAll, describe, expect, it } from 'vitest';
import { armOf } from '../../pipelines/_stats/ab/assign.js';
import type { MlEngineDeps } from '../../pipelines/_ml/deps.js';
import { predictMatches } from '../../pipelines/_ml/predict.js';
import { sql } from '../../src/db/sql.js';
import { DAY_MS } from '../../src/time.js';
import { FIXTURE_DATA, runJob, useStatsEngine } from './support.js';
import { seedMatches } from './seed.js';

const s = useStatsEngine(() => ({ BACKFILL_DATA_DIR: FIXTURE_DATA }));
let control: number, treatment: number, upcoming: number[];

beforeAll(async () => {
  expect((await runJob(s.engine, 'ml-backfill', { leagues: ['E0'], reference: false }, 120_000)).state).toBe('completed');
  const fit = await runJob(s.engine, 'ml-baseline-fit', { reason: 'test' }, 120_000);
  expect(fit.state, fit.failedReason).toBe('completed');
  control = fit.result.modelVersionId;
  // The treatment: the same fitted parameters under another version.
  const v = await s.engine.db.modelVersion.findUniqueOrThrow({ where: { id: control } });
  treatment = (await s.engine.db.modelVersion.create({ data: { source: 'BASELINE', name: v.name, version: `${v.version}-b`, params: v.params as object } })).id;
  const comp = await s.engine.deps.sql.one<{ id: number }>(sql`SELECT id FROM competitions WHERE provider_id = 'E0'`);
  const teams = (await s.engine.deps.sql.query<{ id: number }>(sql`SELECT id FROM teams WHERE provider = 'football-data' ORDER BY id LIMIT 10`)).map((t) => t.id);
  upcoming = await seedMatches(s.engine.deps.sql, comp.id, teams.slice(0, 5).map((h, i) => ({ kickoff: new Date(Date.now() + (i + 1) * DAY_MS), home: h, away: teams[i + 5]!, status: 'SCHEDULED', homeScore: null, awayScore: null })));
}, 180_000);

describe('A/B arms on served predictions', () => {
  it('the other arm predicts the same matches; served rows carry test and arm', async () => {
    const test = await s.engine.request('POST', '/ab-tests', { body: { name: 'serve', controlVersionId: control, treatmentVersionId: treatment } });
    expect(test.status).toBe(201);
    const out = await predictMatches(s.engine.deps as unknown as MlEngineDeps, { matchIds: upcoming, runKey: 'serve-ab', finalAttempt: false, signal: new AbortController().signal, log: s.engine.deps.log });
    expect(out.byModel).toEqual([expect.objectContaining({ modelVersionId: control, predicted: 5 })]);
    const rows = await s.engine.deps.sql.query<{ match_id: number; model_version_id: number; run_key: string; ab_arm: string | null; ab_test_id: number | null }>(sql`
      SELECT match_id, model_version_id, run_key, ab_arm, ab_test_id FROM predictions WHERE match_id = ANY(${upcoming}::int[]) ORDER BY match_id, model_version_id`);
    expect(rows).toHaveLength(10);
    expect(rows.filter((r) => r.model_version_id === treatment).every((r) => r.run_key === `serve-ab:ab-${test.body.id}`)).toBe(true);
    for (const r of rows) {
      const arm = armOf(test.body.id, r.match_id, 0.5);
      const servedFrom = arm === 'control' ? control : treatment;
      expect(r.ab_arm).toBe(r.model_version_id === servedFrom ? arm : null);
      expect(r.ab_test_id).toBe(r.model_version_id === servedFrom ? test.body.id : null);
    }
    // The baseline predictions carry the features the drift checks compare.
    expect(Number((await s.engine.deps.sql.one<{ n: string }>(sql`SELECT count(*) AS n FROM predictions WHERE match_id = ANY(${upcoming}::int[]) AND features ? 'elo_diff'`)).n)).toBe(10);
  });
});
