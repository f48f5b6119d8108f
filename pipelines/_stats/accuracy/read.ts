// Reading the stored statistics: the current row per (version, league, window), its history, and the
// leaderboard (versions ranked by RPS on the matches they all predicted).
import type { Executor } from '../../../src/db/executor.js';
import { sql } from '../../../src/db/sql.js';
import { utc } from '../../../src/time.js';
import { calibrationErrors, densify, reliability, type BinSums, type StoredBins } from '../calibration.js';
import { rpsOf, scoredRows } from './scored.js';
import { ALL_LEAGUES, type StatsWindow } from './recompute.js';

export interface StatRow {
  id: string;
  model_version_id: number;
  league: string;
  window: StatsWindow;
  computed_at: Date;
  window_from: Date | null;
  n: number;
  invalid: number;
  accuracy: number | null;
  brier: number | null;
  log_loss: number | null;
  rps: number | null;
  ece: number | null;
  mce: number | null;
  reliability: Record<string, StoredBins | number>;
  yardsticks: Record<string, unknown>;
  trigger: string;
}

export async function currentStats(ex: Executor, versionId: number, o: { league?: string; window?: StatsWindow } = {}): Promise<StatRow[]> {
  return ex.query<StatRow>(sql`
    SELECT DISTINCT ON (league, "window") * FROM model_stats
    WHERE model_version_id = ${versionId}::int
      ${o.league ? sql`AND league = ${o.league}` : sql.empty}
      ${o.window ? sql`AND "window" = ${o.window}` : sql.empty}
    ORDER BY league, "window", computed_at DESC, id DESC`);
}

export async function statsHistory(ex: Executor, versionId: number, league: string, window: StatsWindow, limit: number): Promise<Array<Pick<StatRow, 'computed_at' | 'n' | 'rps' | 'trigger'>>> {
  return ex.query(sql`SELECT computed_at, n, rps, brier, log_loss, accuracy, ece, trigger FROM model_stats
    WHERE model_version_id = ${versionId}::int AND league = ${league} AND "window" = ${window}
    ORDER BY computed_at DESC, id DESC LIMIT ${limit}::int`);
}

/** A stored row as the API shows it: scores, calibration errors, the reliability tables derived from the sums. */
export function statView(r: StatRow) {
  const rel = r.reliability as Record<string, StoredBins>;
  const table = (t: string) => { if (!rel[t]) return null; const d = densify(rel[t]!); return { bins: reliability(d), ...calibrationErrors(d) }; };
  return {
    league: r.league, window: r.window, computedAt: r.computed_at.toISOString(), windowFrom: r.window_from?.toISOString() ?? null,
    n: r.n, invalidPredictions: r.invalid,
    ...(r.n === 0 ? { note: 'no finished matches in this window' } : {}),
    scores: { accuracy: r.accuracy, brier: r.brier, logLoss: r.log_loss, rps: r.rps },
    calibration: { ece: r.ece, mce: r.mce, topLabel: table('top'), home: table('home'), draw: table('draw'), away: table('away') },
    yardsticks: r.yardsticks,
    trigger: r.trigger,
  };
}

export interface LeaderboardEntry { modelVersionId: number; name: string; version: string; source: string; rps: number; rank: number }

/**
 * Versions ranked by mean RPS on the finished matches every one of them predicted (the same matches, or
 * the comparison means nothing), in one league (or all) and since `from`. `versionIds` defaults to every
 * version with a scored prediction there.
 */
export async function leaderboard(ex: Executor, o: { league: string; from: Date | null; versionIds?: number[] }): Promise<{ matches: number; entries: LeaderboardEntry[] }> {
  const comps = o.league === ALL_LEAGUES ? null : sql`(SELECT id FROM competitions WHERE coalesce(slug, provider_id) = ${o.league})`;
  const rows = await ex.query<{ v: number; name: string; version: string; source: string; n: string; rps: number; k: string }>(sql`
    WITH scored AS MATERIALIZED (${scoredRows(o.versionIds ? { versionIds: o.versionIds } : {})}),
    s AS (
      SELECT * FROM scored WHERE ok
        ${comps ? sql`AND c IN ${comps}` : sql.empty}
        ${o.from ? sql`AND kickoff >= ${utc(o.from)}::timestamp` : sql.empty}
    ),
    k AS (SELECT count(DISTINCT v) AS k FROM s),
    common AS (SELECT match_id FROM s GROUP BY match_id HAVING count(*) = (SELECT k FROM k))
    SELECT s.v, mv.name, mv.version, mv.source::text AS source, count(*) AS n, avg(${rpsOf(sql`s.ph`, sql`s.pd`, sql`s.o`)}) AS rps, (SELECT k FROM k) AS k
    FROM s JOIN common USING (match_id) JOIN model_versions mv ON mv.id = s.v
    GROUP BY s.v, mv.name, mv.version, mv.source ORDER BY rps, s.v`);
  return {
    matches: rows.length ? Number(rows[0]!.n) : 0,
    entries: rows.map((r, i) => ({ modelVersionId: r.v, name: r.name, version: r.version, source: r.source, rps: r.rps, rank: i + 1 })),
  };
}
