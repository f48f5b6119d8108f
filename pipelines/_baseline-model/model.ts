// Public API of the built-in baseline: fitBaseline → JSON-serialisable model → predictBaseline.
//
// Per league (competition), four forecasters are fitted on results only (never odds): Dixon-Coles with
// time decay, goal-difference Elo, pi-ratings and a dynamic Poisson "goal filter". Their H/D/A
// forecasts are pooled linearly. The pool weights, the Dixon-Coles decay ξ, the Elo K, the pi-rating
// learning rate and the filter's drift are not hand-set: every fit (or, with `previous`, every
// `retuneDays`) runs an inner walk-forward over the most recent `validationDays` of the training data
// (refits every 28 days, forecasts only of later matches), picks each component's hyper-parameter by
// validation RPS and fits the pool weights by minimising validation RPS (tune.ts, blend.ts).
import { dcForecast, dayOf, ELO_MODEL, firstIndexAt, fitDcComponent, GapLog, KF_MODEL, PI_MODEL,
  type DcComponent, type EloJson, type GoalFilterJson, type PiJson, type SequentialModel } from './components.js';
import { MAX_GOALS } from './dixon-coles.js';
import { DEFAULT_ELO, type EloConfig, type OrderedLogit } from './elo.js';
import { DEFAULT_PI, type PiConfig } from './pi-ratings.js';
import { DEFAULT_GOAL_FILTER, type GoalFilterConfig } from './goal-filter.js';
import { blendProbs } from './blend.js';
import { COMPONENTS, tuneLeague, type ComponentKey, type Tuning } from './tune.js';
import type { Probs3 } from './metrics.js';
import { DAY_MS } from '../../src/time.js';

export const BASELINE_MODEL_NAME = 'baseline-dc-elo';
export const BASELINE_MODEL_VERSION = '1.0.0';

export interface ResultRow { date: Date; home: string; away: string; homeGoals: number; awayGoals: number; league?: string }
export interface Fixture { home: string; away: string; date: Date; league?: string }
export interface BaselinePrediction {
  home: number; draw: number; away: number;
  xgHome: number; xgAway: number;
  mostLikelyScore: { home: number; away: number };
}
export interface BaselineModelJson {
  version: string;
  fittedAt: string;
  trainedTo: string;
  nMatches: number;
  params: BaselineParams;
}

export interface BaselineParams {
  name: typeof BASELINE_MODEL_NAME;
  /** Only results strictly before this instant were used. */
  asOf: string;
  leagues: Record<string, LeagueParams>;
}

export interface SequentialJson<Cfg, J> { config: Cfg; logit: OrderedLogit | null; state: J }

export interface LeagueParams {
  nMatches: number;
  trainedTo: string;
  tuning: Tuning;
  dc: DcComponent;
  elo: SequentialJson<EloConfig, EloJson>;
  pi: SequentialJson<PiConfig, PiJson>;
  kf: SequentialJson<GoalFilterConfig, GoalFilterJson>;
  /** Day number (days since 1970-01-01 UTC) of every club's latest match. */
  lastPlayed: Record<string, number>;
}

export interface FitOptions {
  /** Use only results strictly before this instant (default: everything given). */
  asOf?: Date;
  /** Warm start; its tuning is reused while younger than `retuneDays`. */
  previous?: BaselineModelJson;
  retuneDays?: number;
  validationDays?: number;
  /** false: skip the inner validation and use the previous model's (or the default) hyper-parameters. */
  tune?: boolean;
  /** Clock for `fittedAt`; injectable so that tests can compare models byte for byte. */
  now?: Date;
}

export interface DetailedPrediction extends BaselinePrediction {
  league: string;
  components: Record<ComponentKey, Probs3>;
}

/**
 * With `previous`, the validation (the expensive part of a fit) is re-run only this often: twice a
 * season. Re-tuning every 91 days was tried on 2012-24 and did not score better.
 */
export const DEFAULT_RETUNE_DAYS = 182;

/** Results without a league key form one competition under this key. */
export const DEFAULT_LEAGUE = '';

const leagueKey = (r: { league?: string }): string => r.league ?? DEFAULT_LEAGUE;

/**
 * Replays one sequential model over the league, or — when the previous fit had the same hyper-
 * parameters — carries its state forward over the new results only. The calibration (ordered logit)
 * moves very slowly and is only refitted on full replays, i.e. at every re-tune.
 */
function fitSequential<Cfg, S, J>(model: SequentialModel<Cfg, S, J>, cfg: Cfg, rows: readonly ResultRow[], asOfDay: number,
  prev: SequentialJson<Cfg, J> | undefined, carry: { from: number; lastPlayed: Map<string, number> } | undefined): SequentialJson<Cfg, J> {
  if (prev && carry) {
    const state = model.load(prev.state, carry.lastPlayed);
    model.run(state, rows.slice(firstIndexAt(rows, carry.from)), cfg);
    return { config: cfg, logit: prev.logit, state: model.save(state) };
  }
  const state = model.empty(cfg), log = new GapLog();
  model.run(state, rows, cfg, model.calibrated ? (x, m) => log.add(x, m) : undefined);
  return { config: cfg, logit: model.calibrated ? log.fit(asOfDay, prev?.logit) : null, state: model.save(state) };
}

function fitLeague(rows: readonly ResultRow[], asOf: Date, prev: LeagueParams | undefined, prevAsOf: Date | undefined, opts: FitOptions): LeagueParams {
  const asOfDay = dayOf(asOf);
  const retune = opts.retuneDays ?? DEFAULT_RETUNE_DAYS;
  const reuse = prev !== undefined && (opts.tune === false || asOfDay - dayOf(new Date(prev.tuning.tunedAt)) < retune);
  const tuning = reuse ? prev.tuning : tuneLeague(rows, asOf, { validationDays: opts.validationDays, tune: opts.tune !== false });
  const h = tuning.hyper;
  const carry = reuse && prevAsOf ? { from: prevAsOf.getTime(), lastPlayed: new Map(Object.entries(prev.lastPlayed)) } : undefined;
  const lastPlayed = new Map<string, number>();
  for (const m of rows) { const d = dayOf(m.date); lastPlayed.set(m.home, d); lastPlayed.set(m.away, d); }
  const last = rows[rows.length - 1];
  return {
    nMatches: rows.length,
    trainedTo: last ? last.date.toISOString() : asOf.toISOString(),
    tuning,
    dc: fitDcComponent(rows, asOf, h.xi, h.ridge, prev?.dc),
    elo: fitSequential(ELO_MODEL, { ...DEFAULT_ELO, k: h.eloK }, rows, asOfDay, prev?.elo, carry),
    pi: fitSequential(PI_MODEL, { ...DEFAULT_PI, lambda: h.piLambda }, rows, asOfDay, prev?.pi, carry),
    kf: fitSequential(KF_MODEL, { ...DEFAULT_GOAL_FILTER, drift: h.kfDrift }, rows, asOfDay, prev?.kf, carry),
    lastPlayed: Object.fromEntries(lastPlayed),
  };
}

export function fitBaseline(results: ResultRow[], opts: FitOptions = {}): BaselineModelJson {
  const latest = results.reduce((t, r) => Math.max(t, r.date.getTime()), -Infinity);
  // Default cut-off: the day after the latest result, so every given result is used.
  const asOf = opts.asOf ?? new Date(Number.isFinite(latest) ? (Math.floor(latest / DAY_MS) + 1) * DAY_MS : Date.now());
  // A previous model from a later cut-off would carry later results (via its tuning and newcomer
  // priors) into this fit, so it is only used when it is older than this one.
  const previous = opts.previous && new Date(opts.previous.params.asOf) <= asOf ? opts.previous : undefined;
  const byLeague = new Map<string, ResultRow[]>();
  for (const r of results) {
    // The leakage guard lives here, not in the callers: nothing on or after asOf can reach a fit.
    if (!(r.date.getTime() < asOf.getTime())) continue;
    if (!Number.isInteger(r.homeGoals) || !Number.isInteger(r.awayGoals) || r.homeGoals < 0 || r.awayGoals < 0) continue;
    const k = leagueKey(r);
    let list = byLeague.get(k);
    if (!list) byLeague.set(k, (list = []));
    list.push(r);
  }
  const leagues: Record<string, LeagueParams> = {};
  let n = 0, trainedTo = -Infinity;
  for (const [k, rows] of byLeague) {
    rows.sort((a, b) => a.date.getTime() - b.date.getTime());
    const prev = previous && Object.hasOwn(previous.params.leagues, k) ? previous.params.leagues[k] : undefined;
    leagues[k] = fitLeague(rows, asOf, prev, previous ? new Date(previous.params.asOf) : undefined, opts);
    n += rows.length;
    trainedTo = Math.max(trainedTo, rows[rows.length - 1]!.date.getTime());
  }
  return {
    version: BASELINE_MODEL_VERSION,
    fittedAt: (opts.now ?? new Date()).toISOString(),
    trainedTo: new Date(Number.isFinite(trainedTo) ? trainedTo : asOf.getTime()).toISOString(),
    nMatches: n,
    params: { name: BASELINE_MODEL_NAME, asOf: asOf.toISOString(), leagues },
  };
}

/** Maps rebuilt once per league and call: JSON records are not safe to probe with arbitrary keys. */
interface LeagueRuntime {
  p: LeagueParams;
  dcIndex: Map<string, number>;
  lastPlayed: Map<string, number>;
  elo: ReturnType<typeof ELO_MODEL.empty>;
  pi: ReturnType<typeof PI_MODEL.empty>;
  kf: ReturnType<typeof KF_MODEL.empty>;
}

function runtimeOf(p: LeagueParams): LeagueRuntime {
  const lastPlayed = new Map(Object.entries(p.lastPlayed));
  return {
    p,
    dcIndex: new Map(p.dc.teams.map((t, i) => [t, i])),
    lastPlayed,
    elo: ELO_MODEL.load(p.elo.state, lastPlayed),
    pi: PI_MODEL.load(p.pi.state, lastPlayed),
    kf: KF_MODEL.load(p.kf.state, lastPlayed),
  };
}

function pickLeague(params: BaselineParams, f: Fixture): string {
  const keys = Object.keys(params.leagues);
  if (f.league !== undefined && Object.hasOwn(params.leagues, f.league)) return f.league;
  if (keys.length === 1) return keys[0]!;
  if (f.league !== undefined) throw new Error(`baseline model has no league "${f.league}" (has: ${keys.join(', ')})`);
  // No league given: the competition that knows both clubs, else either (first one on a tie).
  const score = (k: string): number => {
    const lp = params.leagues[k]!.lastPlayed;
    const has = (t: string): number => (Object.hasOwn(lp, t) ? 1 : 0);
    return has(f.home) + has(f.away);
  };
  const best = keys.reduce((a, b) => (score(b) > score(a) ? b : a), keys[0]!);
  if (best === undefined) throw new Error('baseline model has no league');
  return best;
}

export function predictBaselineDetailed(model: BaselineModelJson, fixtures: Fixture[]): DetailedPrediction[] {
  const runtimes = new Map<string, LeagueRuntime>();
  const N = MAX_GOALS + 1;
  const buffer = new Float64Array(N * N);
  return fixtures.map((f) => {
    const key = pickLeague(model.params, f);
    let rt = runtimes.get(key);
    if (!rt) runtimes.set(key, (rt = runtimeOf(model.params.leagues[key]!)));
    const { p } = rt;
    const day = dayOf(f.date);
    const dc = dcForecast(p.dc, rt.dcIndex, f.home, f.away, day, rt.lastPlayed, buffer);
    const components: Record<ComponentKey, Probs3> = {
      dc: dc.probs,
      elo: ELO_MODEL.forecast(rt.elo, f.home, f.away, day, p.elo.config, p.elo.logit),
      pi: PI_MODEL.forecast(rt.pi, f.home, f.away, day, p.pi.config, p.pi.logit),
      kf: KF_MODEL.forecast(rt.kf, f.home, f.away, day, p.kf.config, null),
    };
    const probs = blendProbs(COMPONENTS.map((c) => components[c]), COMPONENTS.map((c) => p.tuning.weights[c]));
    // Expected goals and the likeliest score come from the Dixon-Coles score grid, rescaled so that
    // its H/D/A totals equal the pooled forecast: all outputs then tell the same story.
    const m = dc.matrix;
    const ratio = [probs[0] / dc.probs[0], probs[1] / dc.probs[1], probs[2] / dc.probs[2]];
    let xgH = 0, xgA = 0, best = -1, bh = 0, ba = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
      const v = m[i * N + j]! * ratio[i > j ? 0 : i === j ? 1 : 2]!;
      xgH += i * v; xgA += j * v;
      if (v > best) { best = v; bh = i; ba = j; }
    }
    return {
      league: key, home: probs[0], draw: probs[1], away: probs[2], xgHome: xgH, xgAway: xgA,
      mostLikelyScore: { home: bh, away: ba }, components,
    };
  });
}

export function predictBaseline(model: BaselineModelJson, fixtures: Fixture[]): BaselinePrediction[] {
  return predictBaselineDetailed(model, fixtures).map(({ home, draw, away, xgHome, xgAway, mostLikelyScore }) =>
    ({ home, draw, away, xgHome, xgAway, mostLikelyScore }));
}
