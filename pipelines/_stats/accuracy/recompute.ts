// Accuracy and calibration of every model version × league × window, recomputed from the scored rows and
// stored as new model_stats rows.
//
// One pass over the rows, in PostgreSQL: prediction_scores holds each version's scored last pre-kick-off
// prediction per finished match (score.ts writes it when a match finishes), with the yardsticks' scores
// on the same match. One GROUP BY folds those rows into cells: version, competition, age class (7, 30,
// 90 days, older), season and the row's `cell` (outcome, arg-max outcome, yardsticks present, the three
// class bins), with 14 plain sums and no per-row filter: a few thousand cells whatever the number of
// predictions, and PostgreSQL's parallel workers share the scan like they share a plain aggregate's.
// Everything else folds those cells here: windows are unions of age classes (7 d ⊂ 30 d ⊂ 90 d ⊂ all)
// and the in-season flag; every cell counts for its league and for "all"; the reliability tables, ECE
// and MCE, the yardsticks on the same matches (the reference forecast where one is stored, the active
// baseline). No prediction row leaves PostgreSQL; nothing is kept between runs.
import { tx, type PoolExecutor } from '../../../src/db/executor.js';
import { sql, type Fragment } from '../../../src/db/sql.js';
import { DAY_MS, utc } from '../../../src/time.js';

export const WINDOWS = ['7d', '30d', '90d', 'season', 'all'] as const;
export type StatsWindow = (typeof WINDOWS)[number];
export const ALL_LEAGUES = 'all';

export interface RecomputeResult { rows: number; ms: number }

/** Each window: the oldest age class it takes (0 = last 7 days … 3 = older), the current season only, its length. */
const WINDOW_DEFS: ReadonlyArray<{ w: StatsWindow; maxAge: number; seasonOnly: boolean; days: number | null }> = [
  { w: '7d', maxAge: 0, seasonOnly: false, days: 7 },
  { w: '30d', maxAge: 1, seasonOnly: false, days: 30 },
  { w: '90d', maxAge: 2, seasonOnly: false, days: 90 },
  { w: 'season', maxAge: 3, seasonOnly: true, days: null },
  { w: 'all', maxAge: 3, seasonOnly: false, days: null },
];

const TABLES = ['top', 'home', 'draw', 'away'] as const;
const BINS = 10;

// Enough memory for the aggregation to stay a hash aggregate in memory; JIT compilation costs more than
// it saves on this statement (~100 ms of compiling for a 1M-row pass).
const SETTINGS = sql`SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true)`;

/**
 * One cell: version, competition, age class, season, cell, then the row count and the sums (null where
 * every row had null). Float sums print exactly (shortest round-trip digits) and parse back to the same doubles.
 */
type Cell = [v: number, c: number, age: number, season: string | null, cell: number, n: number,
  r: number | null, b: number | null, l: number | null, sph: number | null, spd: number | null, spa: number | null,
  rrR: number | null, rrB: number | null, rrL: number | null, rrH: number | null,
  bbR: number | null, bbB: number | null, bbL: number | null, bbH: number | null];

/**
 * The one pass. Age classes by kick-off; the CASE tests the oldest class first (most rows are older).
 * The cells come back as one JSON array: one value for Node to parse instead of thousands of rows.
 */
function cellsQuery(now: Date, versionIds: readonly number[] | undefined): Fragment {
  const since = (days: number) => sql`${utc(now.getTime() - days * DAY_MS)}::timestamp`;
  return sql`
    SELECT coalesce(json_agg(json_build_array(v, c, age, season, cell, n, r, b, l, sph, spd, spa, rr_r, rr_b, rr_l, rr_h, bb_r, bb_b, bb_l, bb_h)), '[]') AS cells
    FROM (
      SELECT s.model_version_id AS v, s.competition_id AS c,
        CASE WHEN s.kickoff < ${since(90)} THEN 3 WHEN s.kickoff >= ${since(7)} THEN 0 WHEN s.kickoff >= ${since(30)} THEN 1 ELSE 2 END AS age,
        s.season, s.cell,
        count(*) AS n, sum(s.rps) AS r, sum(s.brier) AS b, sum(s.log_loss) AS l,
        sum(s.p_home) AS sph, sum(s.p_draw) AS spd, sum(s.p_away) AS spa,
        sum(s.ref_rps) AS rr_r, sum(s.ref_brier) AS rr_b, sum(s.ref_log_loss) AS rr_l, sum(s.ref_hit) AS rr_h,
        sum(s.base_rps) AS bb_r, sum(s.base_brier) AS bb_b, sum(s.base_log_loss) AS bb_l, sum(s.base_hit) AS bb_h
      FROM prediction_scores s
      ${versionIds ? sql`WHERE s.model_version_id = ANY(${versionIds}::int[])` : sql.empty}
      GROUP BY 1, 2, 3, 4, 5
    ) cells`;
}

/** Each competition's league name and its current season (the latest season of its matches, as before). */
const LEAGUES = sql`
  SELECT co.id AS c, coalesce(co.slug, co.provider_id) AS league, se.season
  FROM competitions co LEFT JOIN (SELECT competition_id, max(season) AS season FROM matches WHERE season IS NOT NULL GROUP BY competition_id) se
    ON se.competition_id = co.id`;

// The sums of one (version, league, window), flat: the model's scores on every valid row (N … H), on
// the matches with a reference forecast (MR_*) and the reference's on the same (RR_*), the same for the
// baseline (MB_*, BB_*), then the four reliability tables (top, home, draw, away) × 10 bins × (n, sum
// of the probability, hits).
const [INVALID, N, R, B, L, H] = [0, 1, 2, 3, 4, 5];
const MR = 6, RR = 11, MB = 15, BB = 20, TABLE = 24, SIZE = TABLE + TABLES.length * BINS * 3;

/** Adds one cell to the sums at `a[at …]`. */
function addCell(a: Float64Array, at: number, x: Cell): void {
  const cell = x[4], n = x[5];
  if (cell < 0) { a[at + INVALID]! += n; return; }
  // The sums of a valid cell are numbers; a yardstick's are null on a cell that has none.
  const r = x[6]!, b = x[7]!, l = x[8]!, sph = x[9]!, spd = x[10]!, spa = x[11]!;
  const group = Math.floor(cell / 1000), outcome = Math.floor(group / 12), argmax = (group % 12) >> 2;
  const bh = Math.floor(cell / 100) % 10, bd = Math.floor(cell / 10) % 10, ba = cell % 10;
  const h = argmax === outcome ? n : 0;
  a[at + N]! += n; a[at + R]! += r; a[at + B]! += b; a[at + L]! += l; a[at + H]! += h;
  if (group & 2) { // the reference's scores are stored
    a[at + MR]! += n; a[at + MR + 1]! += r; a[at + MR + 2]! += b; a[at + MR + 3]! += l; a[at + MR + 4]! += h;
    for (let k = 0; k < 4; k++) a[at + RR + k]! += x[12 + k] as number;
  }
  if (group & 1) { // the baseline's
    a[at + MB]! += n; a[at + MB + 1]! += r; a[at + MB + 2]! += b; a[at + MB + 3]! += l; a[at + MB + 4]! += h;
    for (let k = 0; k < 4; k++) a[at + BB + k]! += x[16 + k] as number;
  }
  // The cell's bin in each table: count, probability sum, hits. The top label is the arg-max outcome: its
  // probability is the greatest, its bin the largest of the three.
  const top = at + TABLE + Math.max(bh, bd, ba) * 3, home = at + TABLE + (BINS + bh) * 3;
  const draw = at + TABLE + (2 * BINS + bd) * 3, away = at + TABLE + (3 * BINS + ba) * 3;
  a[top]! += n; a[top + 1]! += argmax === 0 ? sph : argmax === 1 ? spd : spa; a[top + 2]! += h;
  a[home]! += n; a[home + 1]! += sph; a[home + 2]! += outcome === 0 ? n : 0;
  a[draw]! += n; a[draw + 1]! += spd; a[draw + 2]! += outcome === 1 ? n : 0;
  a[away]! += n; a[away + 1]! += spa; a[away + 2]! += outcome === 2 ? n : 0;
}

/** The stored row of one (version, league, window) from its sums at `a[at …]`. */
function finish(v: number, lg: string, w: (typeof WINDOW_DEFS)[number], a: Float64Array, at: number, now: Date) {
  const x = (i: number) => a[at + i]!;
  const n = x(N);
  const table = (t: number) => {
    const out = { bin: [] as number[], n: [] as number[], sumP: [] as number[], hits: [] as number[] };
    for (let k = 0; k < BINS; k++) {
      const i = TABLE + (t * BINS + k) * 3;
      if (x(i)) { out.bin.push(k); out.n.push(x(i)); out.sumP.push(x(i + 1)); out.hits.push(x(i + 2)); }
    }
    return out;
  };
  let gapSum = 0, gapMax = 0;
  for (let k = 0; k < BINS; k++) {
    const i = TABLE + k * 3, cnt = x(i);
    if (!cnt) continue;
    const gap = Math.abs(x(i + 2) - x(i + 1));
    gapSum += gap;
    gapMax = Math.max(gapMax, gap / cnt);
  }
  // Sparse tables (only the bins with forecasts), as stored; readers pad them to 10 bins (calibration.ts densify).
  const reliability = n === 0 ? {} : { ...Object.fromEntries(TABLES.map((t, i) => [t, table(i)])), bins: BINS };
  const yardstick = (m: number, y: number) => {
    const k = x(m);
    if (k === 0) return undefined;
    return { n: k, model: { rps: x(m + 1) / k, brier: x(m + 2) / k, logLoss: x(m + 3) / k, accuracy: x(m + 4) / k },
      yardstick: { rps: x(y) / k, brier: x(y + 1) / k, logLoss: x(y + 2) / k, accuracy: x(y + 3) / k } };
  };
  const mean = (i: number) => (n === 0 ? null : x(i) / n);
  return {
    v, lg, w: w.w, from: w.days === null ? null : utc(now.getTime() - w.days * DAY_MS), n, invalid: x(INVALID),
    accuracy: mean(H), brier: mean(B), logLoss: mean(L), rps: mean(R), ece: n === 0 ? null : gapSum / n, mce: n === 0 ? null : gapMax,
    reliability: JSON.stringify(reliability), yardsticks: JSON.stringify({ reference: yardstick(MR, RR), baseline: yardstick(MB, BB) }),
  };
}

/** Per version, competition and season: the sums of the four age classes side by side. */
type Blocks = Map<number, Map<number, Map<string | null, Float64Array>>>;

/** Each cell into its block: version, competition, season, age class. */
function blocksOf(cells: readonly Cell[]): Blocks {
  const blocks: Blocks = new Map();
  for (const x of cells) {
    const [v, c, age, season] = x;
    let byComp = blocks.get(v);
    if (!byComp) blocks.set(v, (byComp = new Map()));
    let bySeason = byComp.get(c);
    if (!bySeason) byComp.set(c, (bySeason = new Map()));
    let a = bySeason.get(season);
    if (!a) bySeason.set(season, (a = new Float64Array(4 * SIZE)));
    addCell(a, age * SIZE, x);
  }
  return blocks;
}

/** Each block into every window and both leagues (its own and "all") it counts for; the rows to store. */
function windowRows(blocks: Blocks, leagues: ReadonlyMap<number, { league: string; season: string | null }>, now: Date) {
  // Per version and league, the sums of the five windows side by side, and which windows have a row.
  const sums = new Map<string, { v: number; lg: string; a: Float64Array; seen: boolean[] }>();
  const of = (v: number, lg: string) => {
    const key = `${v}\u0000${lg}`;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { v, lg, a: new Float64Array(WINDOW_DEFS.length * SIZE), seen: WINDOW_DEFS.map(() => false) }));
    return s;
  };
  for (const [v, byComp] of blocks) {
    for (const [c, bySeason] of byComp) {
      const comp = leagues.get(c);
      if (!comp) continue;
      const into = [of(v, comp.league), of(v, ALL_LEAGUES)];
      for (const [season, a] of bySeason) {
        const inSeason = season !== null && season === comp.season;
        for (let age = 0; age < 4; age++) {
          const from = age * SIZE;
          if (a[from + N] === 0 && a[from + INVALID] === 0) continue;
          WINDOW_DEFS.forEach((w, i) => {
            if (age > w.maxAge || (w.seasonOnly && !inSeason)) return;
            for (const s of into) {
              s.seen[i] = true;
              for (let k = 0; k < SIZE; k++) s.a[i * SIZE + k]! += a[from + k]!;
            }
          });
        }
      }
    }
  }
  const out: Array<ReturnType<typeof finish>> = [];
  for (const s of sums.values()) WINDOW_DEFS.forEach((w, i) => { if (s.seen[i]) out.push(finish(s.v, s.lg, w, s.a, i * SIZE, now)); });
  return out;
}

/**
 * Recomputes and stores the statistics. Without a scope: every version, league and window (the nightly
 * full recomputation). With `versionIds`: only those versions (a finished match's incremental update).
 */
export async function recomputeAccuracy(ex: PoolExecutor, o: { now?: Date; versionIds?: readonly number[]; trigger?: string } = {}): Promise<RecomputeResult> {
  const started = performance.now();
  const now = o.now ?? new Date();
  const at = utc(now);
  const rows = await tx(ex, async (t) => {
    await t.query(SETTINGS);
    const { cells } = await t.one<{ cells: Cell[] }>(cellsQuery(now, o.versionIds));
    // The leagues and their current seasons (a scan of the matches) are read while the cells are summed
    // into blocks here, after the pass rather than beside it, where it would take a core from it.
    const leagues = t.query<{ c: number; league: string; season: string | null }>(LEAGUES);
    leagues.catch(() => {});
    const blocks = blocksOf(cells);
    const out = windowRows(blocks, new Map((await leagues).map((r) => [r.c, r])), now);
    if (!out.length) return 0;
    return t.execute(sql`
      INSERT INTO model_stats (model_version_id, league, "window", computed_at, window_from, n, invalid, accuracy, brier, log_loss, rps, ece, mce, reliability, yardsticks, trigger)
      SELECT v, lg, w, ${at}::timestamp, f, n, i, acc, br, ll, rps, ece, mce, rel::jsonb, y::jsonb, ${o.trigger ?? 'full'}
      FROM ${sql.unnest([
        [out.map((r) => r.v), 'int'], [out.map((r) => r.lg), 'text'], [out.map((r) => r.w), 'text'], [out.map((r) => r.from), 'timestamp'],
        [out.map((r) => r.n), 'int'], [out.map((r) => r.invalid), 'int'], [out.map((r) => r.accuracy), 'float8'], [out.map((r) => r.brier), 'float8'],
        [out.map((r) => r.logLoss), 'float8'], [out.map((r) => r.rps), 'float8'], [out.map((r) => r.ece), 'float8'], [out.map((r) => r.mce), 'float8'],
        [out.map((r) => r.reliability), 'text'], [out.map((r) => r.yardsticks), 'text'],
      ])} AS u (v, lg, w, f, n, i, acc, br, ll, rps, ece, mce, rel, y)`);
    // Derived rows, recomputed nightly and after every finished match: a crash may lose the last run, so
    // the commit does not wait for the WAL flush.
  }, { durable: false });
  return { rows, ms: performance.now() - started };
}
