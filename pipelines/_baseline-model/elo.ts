// Goal-difference-aware Elo, mapped to H/D/A probabilities by an ordered logit on the rating gap.
//
// Why these choices:
// - The margin multiplier (World Football Elo's 1 / 1.5 / (11+gd)/8) lets a 4-0 move ratings more than a
//   1-0 without letting blow-outs dominate.
// - Clubs that enter the league (promoted, or back after a spell away) start from the mean rating of the
//   weakest active clubs: promoted sides replace the relegated ones and are, on average, about as strong.
//   Starting them at the league mean is the classic Elo bias that makes promoted teams look too good.
// - At each summer break ratings regress part of the way to the mean because squads change.
// - Elo itself only ranks teams; the draw probability depends on the gap in a non-logistic way, so a
//   3-parameter ordered logit fitted on out-of-sample pre-match gaps turns gaps into probabilities.
import type { Outcome } from './metrics.js';
import { solveLinear } from './blend.js';
import { DAY_MS } from '../../src/time.js';


export interface EloConfig {
  k: number;
  /** Initial home advantage in rating points; it is then learned online with rate `kHome`. */
  homeAdv: number;
  kHome: number;
  /** Share of the gap to the mean removed at a summer break (≥ 45 days without a match). */
  seasonRegress: number;
  /** How many of the weakest active clubs set a newcomer's rating. */
  newcomerPool: number;
}

export const DEFAULT_ELO: EloConfig = { k: 15, homeAdv: 60, kHome: 0.5, seasonRegress: 0.1, newcomerPool: 4 };

export interface EloMatch { date: Date; home: string; away: string; homeGoals: number; awayGoals: number }

/** Maps, not records, so that any string (even "__proto__") is a safe team key. */
export interface EloState {
  ratings: Map<string, number>;
  /** Day number (days since 1970-01-01) of each club's latest match. */
  lastPlayed: Map<string, number>;
  homeAdv: number;
  /** Day number of the most recent match processed; null before the first. */
  lastDay: number | null;
}

/** A club is "active" when it played within this many days; older ratings are stale. */
const ACTIVE_DAYS = 300;
const BREAK_DAYS = 45;
const BASE = 1500;

export function emptyElo(cfg: EloConfig): EloState {
  return { ratings: new Map(), lastPlayed: new Map(), homeAdv: cfg.homeAdv, lastDay: null };
}

function movMultiplier(gd: number): number {
  const a = Math.abs(gd);
  return a <= 1 ? 1 : a === 2 ? 1.5 : (11 + a) / 8;
}

/** Mean of the `pool` lowest ratings among clubs active at `day`; the base rating for an empty league. */
export function newcomerRating(state: EloState, day: number, pool: number): number {
  const active: number[] = [];
  for (const [team, r] of state.ratings) {
    if (day - (state.lastPlayed.get(team) ?? -Infinity) <= ACTIVE_DAYS) active.push(r);
  }
  if (active.length === 0) return BASE;
  active.sort((a, b) => a - b);
  const take = active.slice(0, Math.max(1, Math.min(pool, active.length)));
  return take.reduce((s, r) => s + r, 0) / take.length;
}

function activeMean(state: EloState, day: number): number {
  let s = 0, n = 0;
  for (const [team, r] of state.ratings) {
    if (day - (state.lastPlayed.get(team) ?? -Infinity) <= ACTIVE_DAYS) { s += r; n++; }
  }
  return n ? s / n : BASE;
}

/** Rating a club would carry into a match on `day` (newcomer prior when unknown or long absent). */
export function ratingAt(state: EloState, team: string, day: number, cfg: EloConfig): number {
  const r = state.ratings.get(team);
  const last = state.lastPlayed.get(team);
  if (r === undefined || last === undefined) return newcomerRating(state, day, cfg.newcomerPool);
  // Back after a spell away: the old rating still says something, but it is stale.
  if (day - last > ACTIVE_DAYS) return 0.5 * (r + newcomerRating(state, day, cfg.newcomerPool));
  return r;
}

/** Rating gap (home − away + home advantage) for a match on `day`, in rating points. */
export function eloGap(state: EloState, home: string, away: string, day: number, cfg: EloConfig): number {
  return ratingAt(state, home, day, cfg) + state.homeAdv - ratingAt(state, away, day, cfg);
}

/**
 * Replays matches (sorted by date) into `state`. `onMatch` sees the pre-match gap of every match, which
 * is an honest out-of-sample forecast input: it only depends on earlier results.
 */
export function runElo(state: EloState, matches: readonly EloMatch[], cfg: EloConfig, onMatch?: (gap: number, m: EloMatch, index: number) => void): EloState {
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    const day = Math.floor(m.date.getTime() / DAY_MS);
    if (state.lastDay !== null && day - state.lastDay >= BREAK_DAYS && cfg.seasonRegress > 0) {
      const mean = activeMean(state, state.lastDay);
      for (const [t, r] of state.ratings) state.ratings.set(t, r + cfg.seasonRegress * (mean - r));
    }
    const rh = ratingAt(state, m.home, day, cfg), ra = ratingAt(state, m.away, day, cfg);
    const gap = rh + state.homeAdv - ra;
    onMatch?.(gap, m, i);
    const expected = 1 / (1 + Math.pow(10, -gap / 400));
    const actual = m.homeGoals > m.awayGoals ? 1 : m.homeGoals === m.awayGoals ? 0.5 : 0;
    const delta = cfg.k * movMultiplier(m.homeGoals - m.awayGoals) * (actual - expected);
    state.ratings.set(m.home, rh + delta);
    state.ratings.set(m.away, ra - delta);
    state.homeAdv += cfg.kHome * (actual - expected);
    state.lastPlayed.set(m.home, day);
    state.lastPlayed.set(m.away, day);
    state.lastDay = Math.max(state.lastDay ?? day, day);
  }
  return state;
}

export interface OrderedLogit { beta: number; cut1: number; cut2: number }

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * P(away) = σ(cut1 − β·x), P(away or draw) = σ(cut2 − β·x), where x is a rating gap on a scale of
 * order 1 (Elo points / 100, or pi-rating goals) so that one starting point suits every caller.
 */
export function orderedLogitProbs(ol: OrderedLogit, x: number): [number, number, number] {
  const pa = sigmoid(ol.cut1 - ol.beta * x);
  const pad = sigmoid(ol.cut2 - ol.beta * x);
  const d = Math.max(pad - pa, 1e-9);
  const s = 1 - pad + d + pa;
  return [(1 - pad) / s, d / s, pa / s];
}

/**
 * Weighted maximum likelihood by Newton's method on θ = (β, cut1, cut2), with analytic derivatives in
 * u1 = cut1 − β·g and u2 = cut2 − β·g (the log-likelihood is concave in θ, so plain Newton with step
 * halving is safe). `start` warm-starts it from the previous fit.
 */
export function fitOrderedLogit(xs: readonly number[], outcomes: readonly Outcome[], weights?: readonly number[], start?: OrderedLogit): OrderedLogit {
  let th = start ? [start.beta, start.cut1, start.cut2] : [0.4, -1.0, 0.2];
  const evaluate = (t: number[], withDerivs: boolean) => {
    let f = 0;
    const g = [0, 0, 0], H = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    for (let i = 0; i < xs.length; i++) {
      const w = weights?.[i] ?? 1, x = xs[i]!, o = outcomes[i]!;
      const u1 = t[1]! - t[0]! * x, u2 = t[2]! - t[0]! * x;
      const F1 = sigmoid(u1), F2 = sigmoid(u2), f1 = F1 * (1 - F1), f2 = F2 * (1 - F2);
      let d1 = 0, d2 = 0, h11 = 0, h22 = 0, h12 = 0;
      if (o === 2) { f += w * Math.log(Math.max(F1, 1e-300)); d1 = 1 - F1; h11 = -f1; }
      else if (o === 0) { f += w * Math.log(Math.max(1 - F2, 1e-300)); d2 = -F2; h22 = -f2; }
      else {
        const D = Math.max(F2 - F1, 1e-12);
        f += w * Math.log(D);
        d1 = -f1 / D; d2 = f2 / D;
        h11 = -(f1 * (1 - 2 * F1) * D + f1 * f1) / (D * D);
        h22 = (f2 * (1 - 2 * F2) * D - f2 * f2) / (D * D);
        h12 = f1 * f2 / (D * D);
      }
      if (!withDerivs) continue;
      // Chain rule with ∂u1/∂θ = (−x, 1, 0) and ∂u2/∂θ = (−x, 0, 1).
      g[0]! += w * -x * (d1 + d2); g[1]! += w * d1; g[2]! += w * d2;
      H[0]![0]! += w * x * x * (h11 + 2 * h12 + h22);
      H[0]![1]! += w * -x * (h11 + h12); H[0]![2]! += w * -x * (h12 + h22);
      H[1]![1]! += w * h11; H[2]![2]! += w * h22; H[1]![2]! += w * h12;
    }
    H[1]![0] = H[0]![1]!; H[2]![0] = H[0]![2]!; H[2]![1] = H[1]![2]!;
    return { f, g, H };
  };
  for (let it = 0; it < 50; it++) {
    const { f, g, H } = evaluate(th, true);
    const step = solveLinear(H, g); // Newton: θ − H⁻¹g (H negative definite)
    if (!step) break;
    let t = 1, next = th.map((v, j) => v - step[j]!);
    while (t > 1e-6 && (!(next[2]! > next[1]!) || evaluate(next, false).f < f - 1e-12)) {
      t /= 2; next = th.map((v, j) => v - t * step[j]!);
    }
    if (t <= 1e-6) break;
    const moved = Math.max(...next.map((v, j) => Math.abs(v - th[j]!)));
    th = next;
    if (moved < 1e-8) break;
  }
  return { beta: th[0]!, cut1: th[1]!, cut2: th[2]! };
}

/** Elo gaps enter the ordered logit in hundreds of rating points. */
export const ELO_SCALE = 100;
