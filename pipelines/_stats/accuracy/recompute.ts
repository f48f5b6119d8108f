// Accuracy and calibration of every model version × league × window, recomputed by one set-based
// statement in PostgreSQL (no prediction row travels to Node) and stored as new model_stats rows.
//
// Shape of the statement, chosen so the 1M-row part is one aggregation pass:
//  1. prediction_scores holds each version's scored last pre-kick-off prediction per finished match
//     (score.ts writes it when a match finishes), with the yardsticks' scores on the same match;
//  2. cells: one GROUP BY over those rows into (version, competition, age class, in-season, and the four
//     reliability bins) with plain sums: a few thousand rows whatever the number of predictions;
//  3. everything else (windows, the "all" league, reliability tables, ECE) rolls up the cells.
// Windows are unions of age classes (7 d ⊂ 30 d ⊂ 90 d ⊂ all) and the in-season flag, so one pass serves all five.
// Yardsticks on the same matches: the reference forecast (source REFERENCE) and the ACTIVE baseline.
import { tx, type PoolExecutor } from '../../../src/db/executor.js';
import { sql, type Fragment } from '../../../src/db/sql.js';
import { utc } from '../../../src/time.js';

export const WINDOWS = ['7d', '30d', '90d', 'season', 'all'] as const;
export type StatsWindow = (typeof WINDOWS)[number];
export const ALL_LEAGUES = 'all';

export interface RecomputeResult { rows: number; ms: number }

const WORK_MEM = '128MB';

/**
 * The one pass over the scored rows, as its own statement: CREATE TABLE AS may run in parallel (an INSERT
 * … SELECT may not), so PostgreSQL's parallel workers share the scan and the partial aggregation.
 */
function cellsStatement(now: Date, versionIds: readonly number[] | undefined): Fragment {
  const at = sql`${utc(now)}::timestamp`;
  return sql`CREATE TEMP TABLE stats_cells ON COMMIT DROP AS

      SELECT s.model_version_id AS v, s.competition_id AS c,
        CASE WHEN s.kickoff >= ${at} - interval '7 days' THEN 0 WHEN s.kickoff >= ${at} - interval '30 days' THEN 1
             WHEN s.kickoff >= ${at} - interval '90 days' THEN 2 ELSE 3 END AS age,
        s.season,
        s.bin_top AS bt, s.bin_home AS bh, s.bin_draw AS bd, s.bin_away AS ba,
        count(*) - count(s.rps) AS invalid, count(s.rps) AS n, sum(s.rps) AS r, sum(s.brier) AS b, sum(s.log_loss) AS l, sum(s.hit) AS h,
        sum(greatest(s.p_home, s.p_draw, s.p_away)) AS sconf, sum(s.p_home) AS sph, sum(s.p_draw) AS spd, sum(s.p_away) AS spa,
        sum((s.outcome = 0)::int) FILTER (WHERE s.valid) AS o0, sum((s.outcome = 1)::int) FILTER (WHERE s.valid) AS o1, sum((s.outcome = 2)::int) FILTER (WHERE s.valid) AS o2,
        count(s.ref_rps) FILTER (WHERE s.valid) AS mr_n, sum(s.rps) FILTER (WHERE s.ref_rps IS NOT NULL) AS mr_r, sum(s.brier) FILTER (WHERE s.ref_rps IS NOT NULL) AS mr_b,
        sum(s.log_loss) FILTER (WHERE s.ref_rps IS NOT NULL) AS mr_l, sum(s.hit) FILTER (WHERE s.ref_rps IS NOT NULL) AS mr_h,
        sum(s.ref_rps) FILTER (WHERE s.valid) AS rr_r, sum(s.ref_brier) FILTER (WHERE s.valid) AS rr_b, sum(s.ref_log_loss) FILTER (WHERE s.valid) AS rr_l, sum(s.ref_hit) FILTER (WHERE s.valid) AS rr_h,
        count(s.base_rps) FILTER (WHERE s.valid) AS mb_n, sum(s.rps) FILTER (WHERE s.base_rps IS NOT NULL) AS mb_r, sum(s.brier) FILTER (WHERE s.base_rps IS NOT NULL) AS mb_b,
        sum(s.log_loss) FILTER (WHERE s.base_rps IS NOT NULL) AS mb_l, sum(s.hit) FILTER (WHERE s.base_rps IS NOT NULL) AS mb_h,
        sum(s.base_rps) FILTER (WHERE s.valid) AS bb_r, sum(s.base_brier) FILTER (WHERE s.valid) AS bb_b, sum(s.base_log_loss) FILTER (WHERE s.valid) AS bb_l, sum(s.base_hit) FILTER (WHERE s.valid) AS bb_h
      FROM prediction_scores s
      ${versionIds ? sql`WHERE s.model_version_id = ANY(${versionIds}::int[])` : sql.empty}
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    `;
}

function statement(now: Date, versionIds: readonly number[] | undefined, trigger: string): Fragment {
  const at = sql`${utc(now)}::timestamp`;
  return sql`
  WITH seasons AS (
    SELECT competition_id, max(season) AS season FROM matches WHERE season IS NOT NULL GROUP BY competition_id
  ),
  cells AS (SELECT * FROM stats_cells),
  windows (w, max_age, season_only, days) AS (
    VALUES ('7d', 0, false, 7), ('30d', 1, false, 30), ('90d', 2, false, 90), ('season', 3, true, NULL::int), ('all', 3, false, NULL::int)
  ),
  -- The in-season flag is decided here, on the few cells, not on every scored row.
  placed AS (
    SELECT c.*, w.w, coalesce(co.slug, co.provider_id) AS league
    FROM cells c LEFT JOIN seasons se ON se.competition_id = c.c
    JOIN windows w ON c.age <= w.max_age AND (NOT w.season_only OR coalesce(c.season = se.season, false))
    JOIN competitions co ON co.id = c.c
  ),
  -- Every cell counts for its league and for "all".
  keyed AS (
    SELECT p.*, k.lg FROM placed p CROSS JOIN LATERAL (VALUES (p.league), (${ALL_LEAGUES})) AS k (lg)
  ),
  totals AS (
    SELECT v, lg, w, sum(invalid)::int AS invalid, sum(n)::int AS n, sum(r) AS r, sum(b) AS b, sum(l) AS l, sum(h) AS h,
      sum(mr_n)::int AS mr_n, sum(mr_r) AS mr_r, sum(mr_b) AS mr_b, sum(mr_l) AS mr_l, sum(mr_h) AS mr_h,
      sum(rr_r) AS rr_r, sum(rr_b) AS rr_b, sum(rr_l) AS rr_l, sum(rr_h) AS rr_h,
      sum(mb_n)::int AS mb_n, sum(mb_r) AS mb_r, sum(mb_b) AS mb_b, sum(mb_l) AS mb_l, sum(mb_h) AS mb_h,
      sum(bb_r) AS bb_r, sum(bb_b) AS bb_b, sum(bb_l) AS bb_l, sum(bb_h) AS bb_h
    FROM keyed GROUP BY v, lg, w
  ),
  -- Reliability: per table (top label, home, draw, away) and bin, sums of n, forecast probability and hits.
  binned AS (
    SELECT v, lg, w, t, bin, sum(cnt)::int AS cnt, sum(sp) AS sp, sum(hits)::int AS hits FROM (
      SELECT v, lg, w, 'top' AS t, bt AS bin, n AS cnt, sconf AS sp, h AS hits FROM keyed
      UNION ALL SELECT v, lg, w, 'home', bh, n, sph, o0 FROM keyed
      UNION ALL SELECT v, lg, w, 'draw', bd, n, spd, o1 FROM keyed
      UNION ALL SELECT v, lg, w, 'away', ba, n, spa, o2 FROM keyed
    ) x WHERE bin >= 0 GROUP BY v, lg, w, t, bin
  ),
  -- Sparse tables (only the bins with forecasts); readers pad them to 10 bins (calibration.ts densify).
  tables AS (
    SELECT v, lg, w, t,
      jsonb_build_object('bin', array_agg(bin ORDER BY bin), 'n', array_agg(cnt ORDER BY bin), 'sumP', array_agg(sp ORDER BY bin), 'hits', array_agg(hits ORDER BY bin)) AS tab,
      sum(abs(hits - sp)) AS gap_sum, max(abs(hits - sp) / cnt) AS gap_max
    FROM binned GROUP BY v, lg, w, t
  ),
  reliability AS (
    SELECT v, lg, w, jsonb_object_agg(t, tab) || jsonb_build_object('bins', 10) AS rel,
      max(gap_sum) FILTER (WHERE t = 'top') AS gap_sum, max(gap_max) FILTER (WHERE t = 'top') AS gap_max
    FROM tables GROUP BY v, lg, w
  ),
  yard AS (
    SELECT t.*,
      jsonb_strip_nulls(jsonb_build_object(
        'reference', CASE WHEN t.mr_n > 0 THEN jsonb_build_object('n', t.mr_n,
          'model', jsonb_build_object('rps', t.mr_r / t.mr_n, 'brier', t.mr_b / t.mr_n, 'logLoss', t.mr_l / t.mr_n, 'accuracy', t.mr_h / t.mr_n),
          'yardstick', jsonb_build_object('rps', t.rr_r / t.mr_n, 'brier', t.rr_b / t.mr_n, 'logLoss', t.rr_l / t.mr_n, 'accuracy', t.rr_h / t.mr_n)) END,
        'baseline', CASE WHEN t.mb_n > 0 THEN jsonb_build_object('n', t.mb_n,
          'model', jsonb_build_object('rps', t.mb_r / t.mb_n, 'brier', t.mb_b / t.mb_n, 'logLoss', t.mb_l / t.mb_n, 'accuracy', t.mb_h / t.mb_n),
          'yardstick', jsonb_build_object('rps', t.bb_r / t.mb_n, 'brier', t.bb_b / t.mb_n, 'logLoss', t.bb_l / t.mb_n, 'accuracy', t.bb_h / t.mb_n)) END
      )) AS yardsticks
    FROM totals t
  )
  INSERT INTO model_stats (model_version_id, league, "window", computed_at, window_from, n, invalid, accuracy, brier, log_loss, rps, ece, mce, reliability, yardsticks, trigger)
  SELECT y.v, y.lg, y.w, ${at}, CASE WHEN wd.days IS NOT NULL THEN ${at} - make_interval(days => wd.days) END,
    y.n, y.invalid, y.h / nullif(y.n, 0), y.b / nullif(y.n, 0), y.l / nullif(y.n, 0), y.r / nullif(y.n, 0),
    rl.gap_sum / nullif(y.n, 0), rl.gap_max, coalesce(rl.rel, '{}'::jsonb), y.yardsticks, ${trigger}
  FROM yard y JOIN windows wd ON wd.w = y.w LEFT JOIN reliability rl ON rl.v = y.v AND rl.lg = y.lg AND rl.w = y.w`;
}

/**
 * Recomputes and stores the statistics. Without a scope: every version, league and window (the nightly
 * full recomputation). With `versionIds`: only those versions (a finished match's incremental update).
 */
export async function recomputeAccuracy(ex: PoolExecutor, o: { now?: Date; versionIds?: readonly number[]; trigger?: string } = {}): Promise<RecomputeResult> {
  const started = performance.now();
  // Enough memory for the aggregation to stay a hash aggregate in memory instead of an on-disk sort.
  const rows = await tx(ex, async (t) => {
    // JIT compilation costs more than it saves on this statement (~100 ms of compiling for a 1M-row pass).
    await t.query(sql`SELECT set_config('work_mem', ${WORK_MEM}, true), set_config('jit', 'off', true)`);
    const now = o.now ?? new Date();
    await t.execute(cellsStatement(now, o.versionIds));
    return t.execute(statement(now, o.versionIds, o.trigger ?? 'full'));
  });
  return { rows, ms: performance.now() - started };
}
