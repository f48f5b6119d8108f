// The four forecasters of one league, each fitted on results strictly before `asOf`: Dixon-Coles
// (static strengths, decayed likelihood) and three sequential rating models — Elo, pi-ratings and the
// goal filter — that are replays of the results in date order.
// Shared conventions: rows are sorted by date; "day" is a day number since 1970-01-01 (UTC).
import { dcScoreMatrix, fitDixonColes, MAX_GOALS, outcomeProbs, type DcMatch, type DcParams } from './dixon-coles.js';
import { ELO_SCALE, emptyElo, eloGap, fitOrderedLogit, orderedLogitProbs, runElo, type EloConfig, type OrderedLogit } from './elo.js';
import { emptyPi, piGap, runPi, type PiConfig } from './pi-ratings.js';
import { emptyGoalFilter, goalFilterRates, runGoalFilter, type GoalFilterConfig, type GoalFilterState } from './goal-filter.js';
import { outcomeOf, type Outcome, type Probs3 } from './metrics.js';
import { DAY_MS } from '../../src/time.js';

export const dayOf = (d: Date): number => Math.floor(d.getTime() / DAY_MS);

/** A club absent this long is treated as (partly) new: its old strength estimate is stale. */
const STALE_DAYS = 300;
/** A gap this long between two matches of a club ends a spell in the league (relegation and return). */
const SPELL_GAP_DAYS = 200;
/** How many of the weakest established clubs set the Dixon-Coles prior of newcomers. */
const DC_NEWCOMER_POOL = 5;
/** Ordered-logit calibration: skip the first (unsettled) ratings, weight the rest by recency. */
const LOGIT_BURN_IN_DAYS = 730;
const LOGIT_WINDOW_DAYS = 8 * 365;
const LOGIT_XI = 0.0005;

export interface DcComponent extends DcParams {
  xi: number;
  ridge: number;
  /** Prior [attack, defence] of a club the fit has not seen (or barely): promoted sides. */
  newcomer: [number, number];
}

/** Index of the first row dated on or after `t` (epoch ms; rows sorted by date). */
export function firstIndexAt(rows: readonly { date: Date }[], t: number): number {
  let lo = 0, hi = rows.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (rows[mid]!.date.getTime() < t) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * Clubs whose current spell in the league started within the last year (and not at the very start of
 * the data, where every club "starts"). The scan starts one spell gap before that year, so a first
 * sighting inside the year really is a spell start; an earlier sighting is not recent either way.
 */
function newcomers(rows: readonly DcMatch[], asOfDay: number): Set<string> {
  const out = new Set<string>();
  if (rows.length === 0) return out;
  const dataStart = dayOf(rows[0]!.date);
  const recentFrom = asOfDay - 365;
  const last = new Map<string, number>(), spellStart = new Map<string, number>();
  for (let i = firstIndexAt(rows, (recentFrom - SPELL_GAP_DAYS - 1) * DAY_MS); i < rows.length; i++) {
    const m = rows[i]!, d = dayOf(m.date);
    for (const t of [m.home, m.away]) {
      const l = last.get(t);
      if (l === undefined || d - l > SPELL_GAP_DAYS) spellStart.set(t, d);
      last.set(t, d);
    }
  }
  for (const [t, s] of spellStart) if (s >= recentFrom && s > dataStart + SPELL_GAP_DAYS) out.add(t);
  return out;
}

/** Mean strength of the weakest established clubs seen in the last year: the newcomer prior. */
function weakestMean(p: DcParams, rows: readonly DcMatch[], asOfDay: number, exclude: Set<string>): [number, number] {
  const recent = new Set<string>();
  for (let i = rows.length - 1; i >= 0 && dayOf(rows[i]!.date) > asOfDay - 365; i--) { recent.add(rows[i]!.home); recent.add(rows[i]!.away); }
  const cand = p.teams.map((t, i) => ({ t, i })).filter(({ t }) => recent.has(t) && !exclude.has(t))
    .sort((a, b) => p.attack[a.i]! + p.defence[a.i]! - (p.attack[b.i]! + p.defence[b.i]!))
    .slice(0, DC_NEWCOMER_POOL);
  if (cand.length === 0) return [0, 0];
  return [cand.reduce((s, c) => s + p.attack[c.i]!, 0) / cand.length, cand.reduce((s, c) => s + p.defence[c.i]!, 0) / cand.length];
}

export function fitDcComponent(rows: readonly DcMatch[], asOf: Date, xi: number, ridge: number, warm?: DcComponent): DcComponent {
  const asOfDay = dayOf(asOf);
  const fresh = newcomers(rows, asOfDay);
  let prior = warm?.newcomer;
  let start: DcParams | undefined = warm;
  if (!prior) {
    // Cold start: one unshrunk-towards-newcomer pass to find out what "the weakest clubs" look like.
    start = fitDixonColes(rows, { xi, asOf, ridge });
    prior = weakestMean(start, rows, asOfDay, fresh);
  }
  const pr = prior;
  const p = fitDixonColes(rows, { xi, asOf, ridge, warmStart: start, priorMean: (t) => (fresh.has(t) ? pr : [0, 0]) });
  return { ...p, xi, ridge, newcomer: weakestMean(p, rows, asOfDay, fresh) };
}

export interface DcForecast { probs: Probs3; matrix: Float64Array }

/** `lastPlayed` (day numbers) lets a club back after a long absence be pulled half-way to the prior. */
export function dcForecast(c: DcComponent, index: ReadonlyMap<string, number>, home: string, away: string, day: number, lastPlayed?: ReadonlyMap<string, number>, buffer?: Float64Array): DcForecast {
  const strength = (t: string): [number, number] => {
    const i = index.get(t);
    if (i === undefined) return c.newcomer;
    const s: [number, number] = [c.attack[i]!, c.defence[i]!];
    const last = lastPlayed?.get(t);
    if (last !== undefined && day - last > STALE_DAYS) return [(s[0] + c.newcomer[0]) / 2, (s[1] + c.newcomer[1]) / 2];
    return s;
  };
  const [ah, dh] = strength(home), [aa, da] = strength(away);
  const matrix = dcScoreMatrix(Math.exp(c.mu + c.home + ah - da), Math.exp(c.mu + aa - dh), c.rho, buffer);
  return { probs: outcomeProbs(matrix), matrix };
}

/** Collects the live pre-match gaps of a replay: honest out-of-sample inputs for the calibration. */
export class GapLog {
  readonly xs: number[] = [];
  readonly outcomes: Outcome[] = [];
  readonly days: number[] = [];
  add(x: number, m: DcMatch): void {
    this.xs.push(x); this.outcomes.push(outcomeOf(m.homeGoals, m.awayGoals)); this.days.push(dayOf(m.date));
  }

  /** Ordered logit on the gaps of matches before `asOfDay`, after the burn-in, weighted by recency. */
  fit(asOfDay: number, start?: OrderedLogit | null): OrderedLogit {
    const first = this.days[0] ?? asOfDay;
    // Short histories (tests, new competitions) still need a calibration: shrink the burn-in.
    const burnIn = Math.min(LOGIT_BURN_IN_DAYS, (asOfDay - first) / 2);
    const xs: number[] = [], os: Outcome[] = [], ws: number[] = [];
    for (let i = 0; i < this.days.length; i++) {
      const d = this.days[i]!;
      if (d >= asOfDay || d < first + burnIn || d < asOfDay - LOGIT_WINDOW_DAYS) continue;
      xs.push(this.xs[i]!); os.push(this.outcomes[i]!); ws.push(Math.exp(-LOGIT_XI * (asOfDay - d)));
    }
    if (xs.length < 30) return start ?? { beta: 1, cut1: -0.9, cut2: 0.3 };
    return fitOrderedLogit(xs, os, ws, start ?? undefined);
  }
}

/**
 * Elo, pi-ratings and the goal filter behind one interface (all are replays of results in date
 * order), so that tuning, fitting, incremental updates and (de)serialisation are written once.
 * Elo and pi-ratings produce a rating gap that an ordered logit calibrates (`calibrated`); the goal
 * filter produces Poisson rates, i.e. probabilities directly.
 */
export interface SequentialModel<Cfg, S, J> {
  calibrated: boolean;
  empty(cfg: Cfg): S;
  /** `onMatch` receives the pre-match calibration input of every match. */
  run(state: S, rows: readonly DcMatch[], cfg: Cfg, onMatch?: (x: number, m: DcMatch) => void): void;
  forecast(state: S, home: string, away: string, day: number, cfg: Cfg, logit: OrderedLogit | null): Probs3;
  save(state: S): J;
  /** `lastPlayed` is shared by all models of a league and stored once. */
  load(json: J, lastPlayed: Map<string, number>): S;
}

type EloState = ReturnType<typeof emptyElo>;
export interface EloJson { ratings: Record<string, number>; homeAdv: number }
export const ELO_MODEL: SequentialModel<EloConfig, EloState, EloJson> = {
  calibrated: true,
  empty: emptyElo,
  run: (s, rows, cfg, cb) => { runElo(s, rows, cfg, cb && ((g, m) => cb(g / ELO_SCALE, m))); },
  forecast: (s, h, a, day, cfg, logit) => orderedLogitProbs(logit!, eloGap(s, h, a, day, cfg) / ELO_SCALE),
  save: (s) => ({ ratings: Object.fromEntries(s.ratings), homeAdv: s.homeAdv }),
  load: (j, lastPlayed) => {
    const lastDay = Math.max(-Infinity, ...lastPlayed.values());
    return { ratings: new Map(Object.entries(j.ratings)), lastPlayed: new Map(lastPlayed), homeAdv: j.homeAdv, lastDay: Number.isFinite(lastDay) ? lastDay : null };
  },
};

type PiState = ReturnType<typeof emptyPi>;
export interface PiJson { home: Record<string, number>; away: Record<string, number> }
export const PI_MODEL: SequentialModel<PiConfig, PiState, PiJson> = {
  calibrated: true,
  empty: () => emptyPi(),
  run: (s, rows, cfg, cb) => { runPi(s, rows, cfg, cb); },
  forecast: (s, h, a, day, cfg, logit) => orderedLogitProbs(logit!, piGap(s, h, a, day, cfg)),
  save: (s) => ({ home: Object.fromEntries(s.home), away: Object.fromEntries(s.away) }),
  load: (j, lastPlayed) => ({ home: new Map(Object.entries(j.home)), away: new Map(Object.entries(j.away)), lastPlayed: new Map(lastPlayed) }),
};

const KF_BUFFER = new Float64Array((MAX_GOALS + 1) ** 2);

export interface GoalFilterJson { mu: number; muVar: number; home: number; homeVar: number; teams: Record<string, [number, number, number, number]> }
export const KF_MODEL: SequentialModel<GoalFilterConfig, GoalFilterState, GoalFilterJson> = {
  calibrated: false,
  empty: () => emptyGoalFilter(),
  run: (s, rows, cfg) => { runGoalFilter(s, rows, cfg); },
  // Independent Poisson: a ρ correction did not help this component (tested on 2012-24).
  forecast: (s, h, a, day, cfg) => { const [lh, la] = goalFilterRates(s, h, a, day, cfg); return outcomeProbs(dcScoreMatrix(lh, la, 0, KF_BUFFER)); },
  save: (s) => ({
    mu: s.mu, muVar: s.muVar, home: s.home, homeVar: s.homeVar,
    teams: Object.fromEntries([...s.teams].map(([t, b]) => [t, [b.att, b.attVar, b.def, b.defVar] as [number, number, number, number]])),
  }),
  load: (j, lastPlayed) => ({
    mu: j.mu, muVar: j.muVar, home: j.home, homeVar: j.homeVar, lastPlayed: new Map(lastPlayed),
    teams: new Map(Object.entries(j.teams).map(([t, [att, attVar, def, defVar]]) => [t, { att, attVar, def, defVar }])),
  }),
};
