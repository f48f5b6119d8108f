// Scoring finished matches: one prediction_scores row per model version and match — the version's last
// prediction before kick-off, its RPS, Brier, log loss and hit, and the yardsticks' (the reference
// forecast, the active baseline) on the same match. Runs when a match finishes (and again on a corrected
// score: it overwrites), for the backfilled matches, and in full on demand. Set-based, in PostgreSQL.
import { tx, type PoolExecutor } from '../../../src/db/executor.js';
import { sql, type Fragment } from '../../../src/db/sql.js';
import { argmaxOf, brierOf, cellOf, logLossOf, rpsOf, scoredRows, type ScoredScope } from './scored.js';

const f = (a: string) => ({ ph: a === 's' ? sql`s.ph` : a === 'r' ? sql`r.ph` : sql`b.ph`, pd: a === 's' ? sql`s.pd` : a === 'r' ? sql`r.pd` : sql`b.pd`, pa: a === 's' ? sql`s.pa` : a === 'r' ? sql`r.pa` : sql`b.pa` });
const o = sql`s.o`;
// RPS, Brier, log loss and hit of one forecast; all four null when there is none (a yardstick missing on
// the match): log loss and hit must not score an absent forecast (greatest() skips NULL, so the clipped
// log loss would read ln(1e-15), and the arg-max of nothing would read "away").
const four = (a: string) => {
  const x = f(a);
  const some = (v: Fragment) => sql`CASE WHEN ${x.ph} IS NOT NULL THEN ${v} END`;
  return sql`${rpsOf(x.ph, x.pd, o)}, ${brierOf(x.ph, x.pd, x.pa, o)}, ${some(logLossOf(x.ph, x.pd, x.pa, o))}, ${some(sql`(${argmaxOf(x.ph, x.pd, x.pa)} = ${o})::int`)}`;
};

/** Scores every version's prediction of the matches in scope (finished ones); returns the rows written. */
export async function scoreMatches(pool: PoolExecutor, scope: Omit<ScoredScope, 'versionIds'> = {}): Promise<number> {
  // The row estimates of DISTINCT ON over a CTE are poor; a nested loop over the yardstick CTEs then goes
  // quadratic (161 s for the five backfilled leagues). Hash joins make it linear.
  return tx(pool, async (ex) => {
    await ex.query(sql`SELECT set_config('enable_nestloop', 'off', true), set_config('work_mem', '64MB', true)`);
    return ex.execute(statement(scope));
  });
}

function statement(scope: Omit<ScoredScope, 'versionIds'>) {
  return sql`
    WITH scored AS MATERIALIZED (${scoredRows(scope)}),
    refs AS (
      SELECT DISTINCT ON (match_id) match_id, ph, pd, pa FROM scored
      WHERE ok AND v IN (SELECT id FROM model_versions WHERE source = 'REFERENCE') ORDER BY match_id, v
    ),
    bases AS (
      SELECT match_id, ph, pd, pa FROM scored
      WHERE ok AND v = (SELECT id FROM model_versions WHERE source = 'BASELINE' AND stage = 'ACTIVE' ORDER BY promoted_at DESC NULLS LAST LIMIT 1)
    )
    INSERT INTO prediction_scores (model_version_id, match_id, competition_id, kickoff, season, outcome, valid, p_home, p_draw, p_away,
      rps, brier, log_loss, hit, cell, ref_rps, ref_brier, ref_log_loss, ref_hit, base_rps, base_brier, base_log_loss, base_hit, scored_at)
    SELECT s.v, s.match_id, s.c, s.kickoff, s.season, s.o, s.ok,
      CASE WHEN s.ok THEN s.ph END, CASE WHEN s.ok THEN s.pd END, CASE WHEN s.ok THEN s.pa END,
      x.r, x.b, x.l, x.h,
      CASE WHEN s.ok THEN ${cellOf(sql`s.o`, sql`rx.r IS NOT NULL`, sql`bx.r IS NOT NULL`, sql`s.ph`, sql`s.pd`, sql`s.pa`)} ELSE -1 END,
      rx.r, rx.b, rx.l, rx.h, bx.r, bx.b, bx.l, bx.h, now() AT TIME ZONE 'UTC'
    FROM scored s
    LEFT JOIN refs r ON r.match_id = s.match_id
    LEFT JOIN bases b ON b.match_id = s.match_id
    CROSS JOIN LATERAL (SELECT ${four('s')}) AS x0 (r, b, l, h)
    CROSS JOIN LATERAL (SELECT CASE WHEN s.ok THEN x0.r END, CASE WHEN s.ok THEN x0.b END, CASE WHEN s.ok THEN x0.l END, CASE WHEN s.ok THEN x0.h END) AS x (r, b, l, h)
    CROSS JOIN LATERAL (SELECT ${four('r')}) AS rx (r, b, l, h)
    CROSS JOIN LATERAL (SELECT ${four('b')}) AS bx (r, b, l, h)
    ON CONFLICT (model_version_id, match_id) DO UPDATE SET competition_id = excluded.competition_id, kickoff = excluded.kickoff, season = excluded.season,
      outcome = excluded.outcome, valid = excluded.valid, p_home = excluded.p_home, p_draw = excluded.p_draw, p_away = excluded.p_away,
      rps = excluded.rps, brier = excluded.brier, log_loss = excluded.log_loss, hit = excluded.hit,
      cell = excluded.cell,
      ref_rps = excluded.ref_rps, ref_brier = excluded.ref_brier, ref_log_loss = excluded.ref_log_loss, ref_hit = excluded.ref_hit,
      base_rps = excluded.base_rps, base_brier = excluded.base_brier, base_log_loss = excluded.base_log_loss, base_hit = excluded.base_hit,
      scored_at = excluded.scored_at`;
}
