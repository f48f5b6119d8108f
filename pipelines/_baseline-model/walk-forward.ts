// Walk-forward evaluation: refit at least every `refitDays`, each fit on every result strictly before
// its cut-off, and forecast only matches on or after that cut-off and before the next one.
import { fitBaseline, predictBaselineDetailed, type BaselineModelJson, type DetailedPrediction, type FitOptions, type ResultRow } from './model.js';
import { dayOf } from './components.js';
import { COMPONENTS, type ComponentKey } from './tune.js';
import { readFootballDataFolder, readPddlHistory, type MatchRecord } from './football-data.js';
import { demarginMultiplicative, MetricAccumulator, outcomeOf, type MetricSummary } from './metrics.js';
import { DAY_MS, isoDate } from '../../src/time.js';

export interface WalkForwardOptions {
  /** Score matches on or after this instant (default: the first match). */
  from?: Date;
  /** Score matches strictly before this instant (default: after the last match). */
  to?: Date;
  refitDays?: number;
  fit?: Omit<FitOptions, 'asOf' | 'previous'>;
  /** Called after every fit, e.g. for progress output or for leakage checks in tests. */
  onFit?: (asOf: Date, model: BaselineModelJson, forecastCount: number) => void;
}

export interface WalkForwardForecast<T extends ResultRow> {
  match: T;
  /** Cut-off of the fit that produced the forecast: every training result is strictly earlier. */
  fitAsOf: Date;
  prediction: DetailedPrediction;
}

/**
 * `matches` is the full history (all leagues it contains are fitted separately by fitBaseline). Fit
 * cut-offs are UTC midnights; a week without any match to score is skipped rather than refitted.
 */
export function walkForward<T extends ResultRow>(matches: readonly T[], opts: WalkForwardOptions = {}): WalkForwardForecast<T>[] {
  const sorted = [...matches].sort((a, b) => a.date.getTime() - b.date.getTime());
  const from = opts.from?.getTime() ?? -Infinity;
  const to = opts.to?.getTime() ?? Infinity;
  const targets = sorted.filter((m) => m.date.getTime() >= from && m.date.getTime() < to);
  const step = opts.refitDays ?? 7;
  if (!(step >= 1)) throw new Error('refitDays must be ≥ 1');
  const out: WalkForwardForecast<T>[] = [];
  let previous: BaselineModelJson | undefined;
  let k = 0;
  while (k < targets.length) {
    const fitDay = dayOf(targets[k]!.date);
    const asOf = new Date(fitDay * DAY_MS);
    const end = (fitDay + step) * DAY_MS;
    const week: T[] = [];
    while (k < targets.length && targets[k]!.date.getTime() < end) week.push(targets[k++]!);
    // fitBaseline drops everything on or after asOf itself; the slice only saves it the work.
    let cut = 0;
    while (cut < sorted.length && sorted[cut]!.date.getTime() < asOf.getTime()) cut++;
    const model = fitBaseline(sorted.slice(0, cut), { ...opts.fit, asOf, previous });
    previous = model;
    const preds = predictBaselineDetailed(model, week.map((m) => ({ home: m.home, away: m.away, date: m.date, league: m.league })));
    week.forEach((m, i) => out.push({ match: m, fitAsOf: asOf, prediction: preds[i]! }));
    opts.onFit?.(asOf, model, week.length);
  }
  return out;
}

export interface LeagueEvaluationOptions {
  /** Folder in the football-data layout (<Div>/<season>.csv). */
  data: string;
  /** Optional results-only history (results-pddl layout) used for fitting, never scored. */
  history?: string;
  league: string;
  from?: Date;
  /** Exclusive end of the scoring window. */
  to?: Date;
  refitDays?: number;
  /** Passed to every fit (re-tune interval, validation window). */
  fit?: WalkForwardOptions['fit'];
  /** Mimic the reference figures: drop matches of clubs without a league match in the 3 years before the fit. */
  excludeNewTeams?: boolean;
}

export interface LeagueEvaluation {
  league: string;
  scoredFrom: string | null;
  scoredTo: string | null;
  /** Scored matches: in the window, with a result and with Pinnacle closing odds. */
  n: number;
  excludedNoOdds: number;
  excludedNewTeams: number;
  fits: number;
  baseline: MetricSummary;
  pinnacle: MetricSummary;
  components: Record<ComponentKey, MetricSummary>;
  seconds: number;
  /** CPU seconds of this process during the evaluation: comparable across loaded and idle machines. */
  cpuSeconds: number;
  /** Set when no --from was given and the first season had to serve as burn-in. */
  burnIn: string | null;
}

const REFERENCE_LOOKBACK_DAYS = 1096;

export function evaluateLeague(opts: LeagueEvaluationOptions): LeagueEvaluation {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const rows = readFootballDataFolder(opts.data, [opts.league]).get(opts.league) ?? [];
  if (rows.length === 0) throw new Error(`no results for league ${opts.league} in ${opts.data}`);
  const history = opts.history ? readPddlHistory(opts.history, opts.league, rows[0]!.date) : [];
  let from = opts.from;
  let burnIn: string | null = null;
  if (!from && history.length === 0) {
    // Without earlier history the first season only warms the models up: scoring it would mostly
    // measure cold-start guesses. The reference figures were warmed up on earlier seasons instead.
    const firstSeason = rows[0]!.season;
    const next = rows.find((r) => r.season !== firstSeason);
    burnIn = firstSeason;
    from = next ? next.date : new Date(rows[rows.length - 1]!.date.getTime() + DAY_MS);
  }
  const all: MatchRecord[] = [...history, ...rows];
  const forecasts = walkForward(all, { from: from ?? rows[0]!.date, to: opts.to, refitDays: opts.refitDays, fit: opts.fit });
  // Day numbers of every club's matches, for the reference-style "new team" exclusion.
  const days = new Map<string, number[]>();
  for (const m of all) for (const t of [m.home, m.away]) { let l = days.get(t); if (!l) days.set(t, (l = [])); l.push(dayOf(m.date)); }
  const playedBetween = (t: string, lo: number, hi: number): boolean => (days.get(t) ?? []).some((d) => d >= lo && d < hi);
  const baseline = new MetricAccumulator(), pinnacle = new MetricAccumulator();
  const parts = Object.fromEntries(COMPONENTS.map((c) => [c, new MetricAccumulator()])) as Record<ComponentKey, MetricAccumulator>;
  let noOdds = 0, newTeams = 0;
  const fitDays = new Set<number>();
  let first: Date | null = null, last: Date | null = null;
  for (const f of forecasts) {
    fitDays.add(f.fitAsOf.getTime());
    const m = f.match;
    if (!m.closingOdds) { noOdds++; continue; }
    if (opts.excludeNewTeams) {
      const fd = dayOf(f.fitAsOf);
      if (![m.home, m.away].every((t) => playedBetween(t, fd - REFERENCE_LOOKBACK_DAYS, fd))) { newTeams++; continue; }
    }
    const o = outcomeOf(m.homeGoals, m.awayGoals);
    const p = f.prediction;
    baseline.add([p.home, p.draw, p.away], o);
    pinnacle.add(demarginMultiplicative(m.closingOdds), o);
    for (const c of COMPONENTS) parts[c].add(p.components[c], o);
    if (!first) first = m.date;
    last = m.date;
  }
  return {
    league: opts.league,
    scoredFrom: first ? isoDate(first) : null,
    scoredTo: last ? isoDate(last) : null,
    n: baseline.summary().n,
    excludedNoOdds: noOdds,
    excludedNewTeams: newTeams,
    fits: fitDays.size,
    baseline: baseline.summary(),
    pinnacle: pinnacle.summary(),
    components: Object.fromEntries(COMPONENTS.map((c) => [c, parts[c].summary()])) as Record<ComponentKey, MetricSummary>,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(cpuStart)),
    burnIn,
  };
}
