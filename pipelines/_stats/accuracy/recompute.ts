// Accuracy and calibration of every model version × league × window, recomputed by one set-based
// statement in PostgreSQL (no prediction row travels to Node) and stored as new model_stats rows.
//
// Shape of the statement, chosen so the 1M-row part is one aggregation pass:
//  1. scored: each version's last pre-kick-off prediction per finished match (scored.ts);
//  2. cells: one GROUP BY over those rows into (version, competition, age class, in-season, and the four
//     reliability bins) with plain sums: a few thousand rows whatever the number of predictions;
//  3. everything else (windows, the "all" league, reliability tables, ECE) rolls up the cells.
// Windows are unions of age classes (7 d ⊂ 30 d ⊂ 90 d ⊂ all) and the in-season flag, so one pass serves all five.
// Yardsticks on the same matches: the reference forecast (source REFERENCE) and the ACTIVE baseline.
import type { Executor } from '../../../src/db/executor.js';
import { sql, type Fragment } from '../../../src/db/sql.js';
import { utc } from '../../../src/time.js';
import { argmaxOf, binOf, brierOf, logLossOf, rpsOf, scoredRows, type ScoredScope } from './scored.js';

export const WINDOWS = ['7d', '30d', '90d', 'season', 'all'] as const;
export type StatsWindow = (typeof WINDOWS)[number];
export const ALL_LEAGUES = 'all';

export interface RecomputeResult { rows: number; ms: number }

function statement(now: Date, scope: ScoredScope, trigger: string): Fragment {
  const o = sql`s.o`;
  const m = { ph: sql`s.ph`, pd: sql`s.pd`, pa: sql`s.pa` };
  const ref = { ph: sql`r.ph`, pd: sql`r.pd`, pa: sql`r.pa` };
  const base = { ph: sql`b.ph`, pd: sql`b.pd`, pa: sql`b.pa` };
  const at = sql`${utc(now)}::timestamp`;
  // Five sums of one forecaster's scores on the rows where `present` holds: n, RPS, Brier, log loss, hits
  // (named by the column list of the cells CTE).
  const sums = (f: typeof m, present: Fragment) => sql`
    count(*) FILTER (WHERE ${present}),
    sum(${rpsOf(f.ph, f.pd, o)}) FILTER (WHERE ${present}),
    sum(${brierOf(f.ph, f.pd, f.pa, o)}) FILTER (WHERE ${present}),
    sum(${logLossOf(f.ph, f.pd, f.pa, o)}) FILTER (WHERE ${present}),
    sum((${argmaxOf(f.ph, f.pd, f.pa)} = ${o})::int) FILTER (WHERE ${present})`;
  return sql`
  WITH seasons AS (
    SELECT competition_id, max(season) AS season FROM matches WHERE season IS NOT NULL GROUP BY competition_id
  ),
  scored AS MATERIALIZED (${scoredRows(scope)}),
  refs AS (
    SELECT DISTINCT ON (match_id) match_id, ph, pd, pa FROM scored
    WHERE ok AND v IN (SELECT id FROM model_versions WHERE source = 'REFERENCE') ORDER BY match_id, v
  ),
  bases AS (
    SELECT match_id, ph, pd, pa FROM scored
    WHERE ok AND v = (SELECT id FROM model_versions WHERE source = 'BASELINE' AND stage = 'ACTIVE' ORDER BY promoted_at DESC NULLS LAST LIMIT 1)
  ),
  cells (v, c, age, in_season, bt, bh, bd, ba, invalid, n, r, b, l, h, sconf, sph, spd, spa, o0, o1, o2,
         mr_n, mr_r, mr_b, mr_l, mr_h, rr_n, rr_r, rr_b, rr_l, rr_h, mb_n, mb_r, mb_b, mb_l, mb_h, bb_n, bb_r, bb_b, bb_l, bb_h) AS (
    SELECT s.v, s.c,
      CASE WHEN s.kickoff >= ${at} - interval '7 days' THEN 0 WHEN s.kickoff >= ${at} - interval '30 days' THEN 1
           WHEN s.kickoff >= ${at} - interval '90 days' THEN 2 ELSE 3 END AS age,
      coalesce(s.season = se.season, false) AS in_season,
      CASE WHEN s.ok THEN ${binOf(sql`greatest(s.ph, s.pd, s.pa)`)} ELSE -1 END AS bt,
      CASE WHEN s.ok THEN ${binOf(sql`s.ph`)} ELSE -1 END AS bh,
      CASE WHEN s.ok THEN ${binOf(sql`s.pd`)} ELSE -1 END AS bd,
      CASE WHEN s.ok THEN ${binOf(sql`s.pa`)} ELSE -1 END AS ba,
      count(*) FILTER (WHERE NOT s.ok),
      ${sums(m, sql`s.ok`)},
      sum(greatest(s.ph, s.pd, s.pa)) FILTER (WHERE s.ok),
      sum(s.ph) FILTER (WHERE s.ok), sum(s.pd) FILTER (WHERE s.ok), sum(s.pa) FILTER (WHERE s.ok),
      count(*) FILTER (WHERE s.ok AND s.o = 0), count(*) FILTER (WHERE s.ok AND s.o = 1), count(*) FILTER (WHERE s.ok AND s.o = 2),
      ${sums(m, sql`s.ok AND r.match_id IS NOT NULL`)},
      ${sums(ref, sql`s.ok AND r.match_id IS NOT NULL`)},
      ${sums(m, sql`s.ok AND b.match_id IS NOT NULL`)},
      ${sums(base, sql`s.ok AND b.match_id IS NOT NULL`)}
    FROM scored s
    LEFT JOIN seasons se ON se.competition_id = s.c
    LEFT JOIN refs r ON r.match_id = s.match_id
    LEFT JOIN bases b ON b.match_id = s.match_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ),
  windows (w, max_age, season_only, days) AS (
    VALUES ('7d', 0, false, 7), ('30d', 1, false, 30), ('90d', 2, false, 90), ('season', 3, true, NULL::int), ('all', 3, false, NULL::int)
  ),
  placed AS (
    SELECT c.*, w.w, coalesce(co.slug, co.provider_id) AS league
    FROM cells c JOIN windows w ON c.age <= w.max_age AND (NOT w.season_only OR c.in_season)
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
  tables AS (
    SELECT k.v, k.lg, k.w, t.t,
      jsonb_build_object('n', array_agg(coalesce(b.cnt, 0) ORDER BY g.bin), 'sumP', array_agg(coalesce(b.sp, 0) ORDER BY g.bin),
                         'hits', array_agg(coalesce(b.hits, 0) ORDER BY g.bin)) AS tab,
      sum(abs(coalesce(b.hits, 0) - coalesce(b.sp, 0))) AS gap_sum,
      max(abs(b.hits - b.sp) / nullif(b.cnt, 0)) AS gap_max
    FROM (SELECT DISTINCT v, lg, w FROM binned) k
    CROSS JOIN (VALUES ('top'), ('home'), ('draw'), ('away')) AS t (t)
    CROSS JOIN generate_series(0, 9) AS g (bin)
    LEFT JOIN binned b ON b.v = k.v AND b.lg = k.lg AND b.w = k.w AND b.t = t.t AND b.bin = g.bin
    GROUP BY k.v, k.lg, k.w, t.t
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
export async function recomputeAccuracy(ex: Executor, o: { now?: Date; scope?: ScoredScope; trigger?: string } = {}): Promise<RecomputeResult> {
  const started = performance.now();
  const rows = await ex.execute(statement(o.now ?? new Date(), o.scope ?? {}, o.trigger ?? 'full'));
  return { rows, ms: performance.now() - started };
}
