// The database part of the backfill for one computed league: competition, clubs and finished matches
// (provider "football-data"), the walk-forward predictions under one model version per refit policy, the
// de-margined closing odds under the reference version, and the quarantined records. Every insert is
// ON CONFLICT DO NOTHING on a stable key, so a second run writes nothing.
import type { Db } from '../../../src/db/client.js';
import type { Executor } from '../../../src/db/executor.js';
import { sql } from '../../../src/db/sql.js';
import { ModelSource } from '../../../src/generated/prisma/client.js';
import { utc } from '../../../src/time.js';
import { BASELINE_MODEL_NAME, BASELINE_MODEL_VERSION } from '../../_baseline-model/model.js';
import { register } from '../../_ml/registry.js';
import { confidenceLevel, mostLikelyOutcome, type Cutoffs } from '../../_ml/store.js';
import { invalidForecast } from '../scores.js';
import type { BackfillForecast, ComputeResult } from './compute.js';

export const PROVIDER = 'football-data';
export const REFERENCE_MODEL_NAME = 'pinnacle-closing';
export const REFERENCE_VERSION = 'demargined-multiplicative';
/** The reference forecast is the closing price: it is "made" just before kick-off. */
const REFERENCE_LEAD_MS = 60_000;
const CHUNK = 5_000;

export const LEAGUE_NAMES: Record<string, string> = { E0: 'Premier League', SP1: 'La Liga', I1: 'Serie A', D1: 'Bundesliga', F1: 'Ligue 1' };

export const backfillVersion = (refitDays: number) => `${BASELINE_MODEL_VERSION}+backfill.refit-${refitDays}d`;
export const backfillRunKey = (refitDays: number) => `backfill:refit-${refitDays}d`;

export interface LoadCounts {
  competitionId: number;
  matches: number;
  predictions: number;
  reference: number;
  quarantined: number;
  rejected: number;
}

/** The registry row of a backfill version, created once (never activated: history is not served). */
export async function ensureVersion(db: Db, source: ModelSource, name: string, version: string, metrics: object): Promise<number> {
  const found = await db.modelVersion.findUnique({ where: { source_version: { source, version } }, select: { id: true } });
  if (found) return found.id;
  return (await register(db, { source, name, version, metrics: metrics as never }, () => false)).version.id;
}

async function loadMatches(ex: Executor, r: ComputeResult): Promise<{ ids: Map<string, number>; inserted: number; competitionId: number }> {
  await ex.execute(sql`INSERT INTO competitions (provider, provider_id, slug, name, updated_at)
    VALUES (${PROVIDER}, ${r.league}, ${r.league}, ${LEAGUE_NAMES[r.league] ?? r.league}, now()) ON CONFLICT (provider, provider_id) DO NOTHING`);
  const { id: competitionId } = await ex.one<{ id: number }>(sql`SELECT id FROM competitions WHERE provider = ${PROVIDER} AND provider_id = ${r.league}`);
  const clubs = [...new Set(r.matches.flatMap((m) => [m.home, m.away]))];
  await ex.execute(sql`INSERT INTO teams (provider, provider_id, name, updated_at)
    SELECT ${PROVIDER}, t, t, now() FROM unnest(${clubs}::text[]) AS t ON CONFLICT (provider, provider_id) DO NOTHING`);
  const teams = new Map((await ex.query<{ id: number; provider_id: string }>(sql`
    SELECT id, provider_id FROM teams WHERE provider = ${PROVIDER} AND provider_id = ANY(${clubs}::text[])`)).map((t) => [t.provider_id, t.id]));
  let inserted = 0;
  for (let i = 0; i < r.matches.length; i += CHUNK) {
    const part = r.matches.slice(i, i + CHUNK);
    inserted += await ex.execute(sql`INSERT INTO matches (provider, provider_id, competition_id, season, home_team_id, away_team_id, kickoff, status, home_score, away_score, updated_at)
      SELECT ${PROVIDER}, k, ${competitionId}::int, s, h, a, ko, 'FULL_TIME', hg, ag, now()
      FROM ${sql.unnest([[part.map((m) => m.key), 'text'], [part.map((m) => m.season), 'text'], [part.map((m) => teams.get(m.home)!), 'int'],
        [part.map((m) => teams.get(m.away)!), 'int'], [part.map((m) => utc(m.kickoff)), 'timestamp'], [part.map((m) => m.homeGoals), 'int'], [part.map((m) => m.awayGoals), 'int']])} AS u (k, s, h, a, ko, hg, ag)
      ON CONFLICT (provider, provider_id) DO NOTHING`);
  }
  const keys = r.matches.map((m) => m.key);
  const ids = new Map((await ex.query<{ id: number; provider_id: string }>(sql`
    SELECT id, provider_id FROM matches WHERE provider = ${PROVIDER} AND provider_id = ANY(${keys}::text[])`)).map((m) => [m.provider_id, m.id]));
  return { ids, inserted, competitionId };
}

interface Row { matchId: number; at: number; p: [number, number, number]; xg: [number, number] | null; score: [number, number] | null; features: Record<string, number> | null }

async function insertPredictions(ex: Executor, versionId: number, runKey: string, rows: Row[], cutoffs: Cutoffs): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    const conf = part.map((r) => Math.max(...r.p));
    inserted += await ex.execute(sql`INSERT INTO predictions (match_id, model_version_id, run_key, p_home, p_draw, p_away, xg_home, xg_away,
        predicted_outcome, confidence, confidence_level, most_likely_home, most_likely_away, features, created_at)
      SELECT m, ${versionId}::int, ${runKey}::text, ph, pd, pa, xh, xa, o::"Outcome", c, cl, sh, sa, f::jsonb, at
      FROM ${sql.unnest([[part.map((r) => r.matchId), 'int'], [part.map((r) => r.p[0]), 'float8'], [part.map((r) => r.p[1]), 'float8'], [part.map((r) => r.p[2]), 'float8'],
        [part.map((r) => r.xg?.[0] ?? null), 'float8'], [part.map((r) => r.xg?.[1] ?? null), 'float8'], [part.map((r) => mostLikelyOutcome(...r.p)), 'text'],
        [conf, 'float8'], [conf.map((c) => confidenceLevel(c, cutoffs)), 'text'], [part.map((r) => r.score?.[0] ?? null), 'int'], [part.map((r) => r.score?.[1] ?? null), 'int'],
        [part.map((r) => (r.features ? JSON.stringify(r.features) : null)), 'text'], [part.map((r) => utc(r.at)), 'timestamp']])}
        AS u (m, ph, pd, pa, xh, xa, o, c, cl, sh, sa, f, at)
      ON CONFLICT (match_id, model_version_id, run_key) DO NOTHING`);
  }
  return inserted;
}

/**
 * Stores one league. `versions` maps each refit policy to its registry id; `referenceId` is the
 * reference version (null: do not store the closing odds).
 */
export async function loadLeague(ex: Executor, r: ComputeResult, versions: Map<number, number>, referenceId: number | null, cutoffs: Cutoffs): Promise<LoadCounts> {
  const { ids, inserted: matches, competitionId } = await loadMatches(ex, r);
  let rejected = 0;
  const check = (rows: Row[]) => rows.filter((row) => (invalidForecast(row.p) ? (rejected++, false) : true));
  let predictions = 0;
  for (const policy of r.policies) {
    const rows = check(policy.forecasts.flatMap((f: BackfillForecast) => {
      const matchId = ids.get(f.key);
      return matchId === undefined ? [] : [{ matchId, at: f.fitAsOf, p: f.p, xg: f.xg, score: f.score, features: f.features }];
    }));
    predictions += await insertPredictions(ex, versions.get(policy.refitDays)!, backfillRunKey(policy.refitDays), rows, cutoffs);
  }
  let reference = 0;
  if (referenceId !== null) {
    // Only matches a policy forecast (the scored window), as the evaluation scores the closing odds.
    const forecast = new Set(r.policies.flatMap((p) => p.forecasts.map((f) => f.key)));
    const rows = check(r.matches.flatMap((m) => (m.reference && forecast.has(m.key) && ids.has(m.key)
      ? [{ matchId: ids.get(m.key)!, at: m.kickoff - REFERENCE_LEAD_MS, p: m.reference, xg: null, score: null, features: null }] : [])));
    reference = await insertPredictions(ex, referenceId, 'backfill:closing', rows, cutoffs);
  }
  let quarantined = 0;
  if (r.quarantined.length) {
    quarantined = await ex.execute(sql`INSERT INTO quarantined_records (source, record_key, raw, error)
      SELECT ${PROVIDER}, k, raw::jsonb, e FROM ${sql.unnest([[r.quarantined.map((q) => q.recordKey), 'text'], [r.quarantined.map((q) => JSON.stringify(q.raw)), 'text'], [r.quarantined.map((q) => q.reason), 'text']])} AS u (k, raw, e)
      ON CONFLICT (source, record_key) DO NOTHING`);
  }
  return { competitionId, matches, predictions, reference, quarantined, rejected };
}
