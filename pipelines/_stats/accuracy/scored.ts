// The scored predictions, as SQL: for each model version and finished match, the version's last
// prediction made before kick-off, with the outcome and validity. One definition, shared by the accuracy
// recomputation, the leaderboard and the A/B evaluation, so they all score the same rows the same way.
// The formulas are those of ../scores.ts (RPS with ½, Brier over 3 classes, log loss clipped at 1e-15,
// arg-max ties to H then D then A), written once more here so PostgreSQL computes them next to the data.
import { sql, type Fragment } from '../../../src/db/sql.js';
import { utc } from '../../../src/time.js';

/** Statuses a 1X2 forecast is settled on. After extra time or penalties the 90 minutes were a draw. */
export const SETTLED = sql`('FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES')`;

/** The outcome 0 = home, 1 = draw, 2 = away of a match row `m`. */
export const OUTCOME = sql`CASE WHEN m.status <> 'FULL_TIME' THEN 1 WHEN m.home_score > m.away_score THEN 0 WHEN m.home_score = m.away_score THEN 1 ELSE 2 END`;

/** A stored forecast fit to score: each probability in [0, 1] (NaN is not) and the three summing to 1 ± 1e-6. */
export const VALID = sql`(p.p_home BETWEEN 0 AND 1 AND p.p_draw BETWEEN 0 AND 1 AND p.p_away BETWEEN 0 AND 1 AND abs(p.p_home + p.p_draw + p.p_away - 1) <= 1e-6)`;

export interface ScoredScope {
  versionIds?: readonly number[];
  /** Matches kicking off on or after this instant. */
  since?: Date;
  competitionIds?: readonly number[];
  matchIds?: readonly number[];
}

/**
 * Rows (v, match_id, c, kickoff, season, ph, pd, pa, o, ok): `SELECT … FROM scored` in a WITH. DISTINCT ON
 * keeps the newest pre-kick-off prediction per version and match (re-predictions add rows; in-play ones
 * are after kick-off and never scored).
 */
export function scoredRows(scope: ScoredScope = {}): Fragment {
  return sql`SELECT DISTINCT ON (p.model_version_id, p.match_id)
      p.model_version_id AS v, p.match_id, m.competition_id AS c, m.kickoff, m.season,
      p.p_home AS ph, p.p_draw AS pd, p.p_away AS pa, ${OUTCOME} AS o, ${VALID} AS ok
    FROM predictions p JOIN matches m ON m.id = p.match_id
    WHERE m.status IN ${SETTLED} AND m.home_score IS NOT NULL AND m.away_score IS NOT NULL AND p.created_at < m.kickoff
      ${scope.versionIds ? sql`AND p.model_version_id = ANY(${scope.versionIds}::int[])` : sql.empty}
      ${scope.competitionIds ? sql`AND m.competition_id = ANY(${scope.competitionIds}::int[])` : sql.empty}
      ${scope.matchIds ? sql`AND p.match_id = ANY(${scope.matchIds}::int[])` : sql.empty}
      ${scope.since ? sql`AND m.kickoff >= ${utc(scope.since)}::timestamp` : sql.empty}
    ORDER BY p.model_version_id, p.match_id, p.created_at DESC, p.id DESC`;
}

// Per-row scores of a forecast (ph, pd, pa) against outcome o; squares as products, the same operations
// in the same order as ../scores.ts.
const sq = (x: Fragment) => sql`((${x}) * (${x}))`;

export const rpsOf = (ph: Fragment, pd: Fragment, o: Fragment) =>
  sql`(0.5 * (${sq(sql`${ph} - (${o} = 0)::int`)} + ${sq(sql`${ph} + ${pd} - (${o} <= 1)::int`)}))`;

export const brierOf = (ph: Fragment, pd: Fragment, pa: Fragment, o: Fragment) =>
  sql`(${sq(sql`(${o} = 0)::int - ${ph}`)} + ${sq(sql`(${o} = 1)::int - ${pd}`)} + ${sq(sql`(${o} = 2)::int - ${pa}`)})`;

export const logLossOf = (ph: Fragment, pd: Fragment, pa: Fragment, o: Fragment) =>
  sql`(-ln(least(1, greatest(CASE ${o} WHEN 0 THEN ${ph} WHEN 1 THEN ${pd} ELSE ${pa} END, 1e-15))))`;

export const argmaxOf = (ph: Fragment, pd: Fragment, pa: Fragment) => sql`
  (CASE WHEN ${ph} >= ${pd} AND ${ph} >= ${pa} THEN 0 WHEN ${pd} >= ${pa} THEN 1 ELSE 2 END)`;

/** Reliability bin on (0, 1], right-closed: ceil(10p) − 1, clamped to 0 … 9 (calibration.ts binOf). */
export const binOf = (p: Fragment) => sql`least(9, greatest(0, ceil(${p} * 10)::int - 1))`;

/**
 * The grouping cell of a valid scored row (prediction_scores.cell; -1 marks an invalid one): outcome,
 * arg-max outcome, whether the reference's and the baseline's scores are stored, and the home, draw and
 * away bins, as 1000 × (12 × outcome + 4 × arg-max + 2 × ref + base) + 100 × home bin + 10 × draw bin
 * + away bin (0 … 35,999). recompute.ts decodes it: the hit is arg-max = outcome, the top label's
 * probability is the arg-max's, its bin the largest of the three (binOf is monotone).
 */
export const cellOf = (o: Fragment, hasRef: Fragment, hasBase: Fragment, ph: Fragment, pd: Fragment, pa: Fragment) =>
  sql`(1000 * (12 * ${o} + 4 * ${argmaxOf(ph, pd, pa)} + 2 * (${hasRef})::int + (${hasBase})::int) + 100 * ${binOf(ph)} + 10 * ${binOf(pd)} + ${binOf(pa)})`;
