// The load step of every prediction path: set-based inserts, idempotent per (match, model version, run
// key). A retried job inserts nothing twice; a re-prediction (a new run key) adds rows, never overwrites.
import type { Db } from '../../src/db/client.js';
import type { Executor } from '../../src/db/executor.js';
import { sql, type Fragment } from '../../src/db/sql.js';
import type { Outcome } from '../../src/generated/prisma/client.js';

export interface PredictionRow {
  matchId: number;
  home: number;
  draw: number;
  away: number;
  xgHome: number | null;
  xgAway: number | null;
  /** The service's answer (checked to be a most likely outcome); computed for the baseline. */
  predictedOutcome?: Outcome;
  mostLikelyScore: { home: number; away: number } | null;
}

export interface MatchError {
  matchId: number;
  code: string;
  message: string;
  retryable: boolean;
}

/** CONFIDENCE_CUTOFFS (parsed in src/config.ts): below the first is low, below the second medium, else high. */
export type Cutoffs = readonly [low: number, high: number];

export function confidenceLevel(confidence: number, [low, high]: Cutoffs): 'low' | 'medium' | 'high' {
  return confidence < low ? 'low' : confidence < high ? 'medium' : 'high';
}

/** The most likely outcome; a tie goes to the home win, then the away win (draws are rarely the mode). */
export function mostLikelyOutcome(home: number, draw: number, away: number): Outcome {
  if (home >= draw && home >= away) return 'HOME';
  return away >= draw ? 'AWAY' : 'DRAW';
}

export interface Stored {
  /** New rows. */
  inserted: number;
  /** Rows this run had stored already (a retried or replayed job). */
  duplicates: number;
  /** Rows for matches that no longer exist (deleted since they were selected). */
  missing: number;
}

const rowsOf = (json: string) => sql`jsonb_to_recordset(${json}::jsonb) AS u(match_id int, p_home float8, p_draw float8, p_away float8,
  xg_home float8, xg_away float8, predicted_outcome text, confidence float8, confidence_level text, most_likely_home int, most_likely_away int)`;
const insert = (modelVersionId: number, runKey: string, from: Fragment) => sql`
  INSERT INTO predictions (match_id, model_version_id, run_key, p_home, p_draw, p_away, xg_home, xg_away,
    predicted_outcome, confidence, confidence_level, most_likely_home, most_likely_away)
  SELECT match_id, ${modelVersionId}::int, ${runKey}::text, p_home, p_draw, p_away, xg_home, xg_away, predicted_outcome::"Outcome", confidence,
    confidence_level, most_likely_home, most_likely_away
  FROM ${from}
  ON CONFLICT (match_id, model_version_id, run_key) DO NOTHING`;

/** A prediction for a match that no longer exists: the foreign key refuses the whole statement. */
const isMissingMatch = (err: unknown) => (err as { code?: string })?.code === '23503';

/**
 * Inserts the rows in one set-based statement, the rows travelling as one JSON parameter, with
 * ON CONFLICT DO NOTHING (a retried run inserts nothing twice). Plain SQL on the pg pool because this is
 * the hot path of every batch: Prisma's createMany (a 1,300-parameter query per chunk), and even its raw
 * queries, cost more CPU than everything else a chunk does. The plain INSERT is the fast path; only when
 * a match was deleted since it was selected does the slower form run, which joins to `matches` to drop it
 * and count what was missing.
 */
export async function storePredictions(ex: Executor, runKey: string, modelVersionId: number, rows: readonly PredictionRow[], cutoffs: Cutoffs): Promise<Stored> {
  if (!rows.length) return { inserted: 0, duplicates: 0, missing: 0 };
  const json = JSON.stringify(
    rows.map((r) => {
      const confidence = Math.max(r.home, r.draw, r.away);
      return {
        match_id: r.matchId, p_home: r.home, p_draw: r.draw, p_away: r.away, xg_home: r.xgHome, xg_away: r.xgAway,
        predicted_outcome: r.predictedOutcome ?? mostLikelyOutcome(r.home, r.draw, r.away),
        confidence, confidence_level: confidenceLevel(confidence, cutoffs),
        most_likely_home: r.mostLikelyScore?.home ?? null, most_likely_away: r.mostLikelyScore?.away ?? null,
      };
    }),
  );
  try {
    const inserted = await ex.execute(insert(modelVersionId, runKey, rowsOf(json)));
    return { inserted, duplicates: rows.length - inserted, missing: 0 };
  } catch (err) {
    if (!isMissingMatch(err)) throw err;
  }
  const res = await ex.one<{ inserted: number; known: number }>(sql`
    WITH known AS (SELECT u.* FROM ${rowsOf(json)} JOIN matches m ON m.id = u.match_id),
    ins AS (${insert(modelVersionId, runKey, sql`known`)} RETURNING 1)
    SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM known)::int AS known`);
  const inserted = Number(res.inserted);
  const known = Number(res.known);
  return { inserted, duplicates: known - inserted, missing: rows.length - known };
}

const MAX_MESSAGE_CHARS = 1_000;

/** Per-match errors are recorded, once per run, and do not fail the job. */
export async function storeErrors(db: Db, runKey: string, errors: readonly MatchError[]): Promise<number> {
  if (!errors.length) return 0;
  const { count } = await db.predictionError.createMany({
    data: errors.map((e) => ({ runKey, matchId: e.matchId, code: e.code.slice(0, 100), message: e.message.slice(0, MAX_MESSAGE_CHARS), retryable: e.retryable })),
    skipDuplicates: true,
  });
  return count;
}
