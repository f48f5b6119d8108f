// Seeds what the statistics read: a competition with clubs, finished matches at chosen kick-offs with
// chosen results, model versions, and predictions with chosen probabilities and times (plain SQL, so a
// test can also store what the engine would refuse, such as NaN).
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { utc } from '../../src/time.js';

export async function seedCompetition(ex: Executor, slug: string, teams = 6): Promise<{ id: number; teams: number[] }> {
  const { id } = await ex.one<{ id: number }>(sql`INSERT INTO competitions (provider, provider_id, slug, name, updated_at) VALUES ('test', ${slug}, ${slug}, ${slug}, now()) RETURNING id`);
  const names = Array.from({ length: teams }, (_, i) => `${slug}-club-${i}`);
  const rows = await ex.query<{ id: number }>(sql`INSERT INTO teams (provider, provider_id, name, updated_at) SELECT 'test', n, n, now() FROM unnest(${names}::text[]) AS n RETURNING id`);
  return { id, teams: rows.map((r) => r.id) };
}

export interface SeedMatch { kickoff: Date; home: number; away: number; season?: string; status?: string; homeScore?: number | null; awayScore?: number | null }

export async function seedMatches(ex: Executor, competitionId: number, matches: SeedMatch[]): Promise<number[]> {
  const rows = await ex.query<{ id: number }>(sql`INSERT INTO matches (provider, provider_id, competition_id, season, home_team_id, away_team_id, kickoff, status, home_score, away_score, updated_at)
    SELECT 'test', gen_random_uuid()::text, ${competitionId}::int, s, h, a, k, st::"MatchStatus", hs, aw, now()
    FROM ${sql.unnest([[matches.map((m) => m.season ?? '2026'), 'text'], [matches.map((m) => m.home), 'int'], [matches.map((m) => m.away), 'int'],
      [matches.map((m) => utc(m.kickoff)), 'timestamp'], [matches.map((m) => m.status ?? 'FULL_TIME'), 'text'],
      [matches.map((m) => (m.homeScore === undefined ? 1 : m.homeScore)), 'int'], [matches.map((m) => (m.awayScore === undefined ? 0 : m.awayScore)), 'int']])}
      WITH ORDINALITY AS u (s, h, a, k, st, hs, aw, ord) ORDER BY ord RETURNING id`);
  return rows.map((r) => r.id);
}

export async function seedVersion(ex: Executor, source: 'ML_SERVICE' | 'BASELINE' | 'REFERENCE', version: string, stage = 'CANDIDATE', name = 'test-model'): Promise<number> {
  return (await ex.one<{ id: number }>(sql`INSERT INTO model_versions (name, version, source, stage, promoted_at)
    VALUES (${name}, ${version}, ${source}::"ModelSource", ${stage}::"ModelStage", CASE WHEN ${stage} = 'ACTIVE' THEN now() END) RETURNING id`)).id;
}

export interface SeedPrediction { matchId: number; versionId: number; p: readonly [number, number, number]; at: Date; features?: Record<string, number>; runKey?: string }

export async function seedPredictions(ex: Executor, rows: SeedPrediction[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5_000) {
    const part = rows.slice(i, i + 5_000);
    await ex.execute(sql`INSERT INTO predictions (match_id, model_version_id, run_key, p_home, p_draw, p_away, predicted_outcome, confidence, confidence_level, features, created_at)
      SELECT m, v, rk, ph, pd, pa, 'HOME', greatest(ph, pd, pa), 'low', f::jsonb, at
      FROM ${sql.unnest([[part.map((r) => r.matchId), 'int'], [part.map((r) => r.versionId), 'int'], [part.map((r, j) => r.runKey ?? `seed-${i + j}`), 'text'],
        [part.map((r) => r.p[0]), 'float8'], [part.map((r) => r.p[1]), 'float8'], [part.map((r) => r.p[2]), 'float8'],
        [part.map((r) => (r.features ? JSON.stringify(r.features) : null)), 'text'], [part.map((r) => utc(r.at)), 'timestamp']])} AS u (m, v, rk, ph, pd, pa, f, at)`);
  }
}
