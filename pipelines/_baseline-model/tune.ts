// Validation-based choice of the hyper-parameters and pool weights of one league.
//
// Inner walk-forward on the training data only: the last `validationDays` (3 years) before `asOf` are
// cut into 28-day blocks; before each block every candidate is refitted on the results before the
// block (ratings are replayed up to the block start and frozen through it) and forecasts the block's
// matches. So every validation forecast is made as in production — from an earlier fit — and nothing
// on or after `asOf` is ever read. Per component, the candidate with the lowest validation RPS wins if
// it beats the grid's middle value by a standard error; the pool weights minimise the validation RPS
// of the pooled forecast (exact simplex QP, blend.ts), shrunk towards equal weights by as much as the
// bootstrap says the validation sample cannot resolve.
import { dcForecast, dayOf, ELO_MODEL, fitDcComponent, GapLog, KF_MODEL, PI_MODEL, type DcComponent, type SequentialModel } from './components.js';
import type { DcMatch } from './dixon-coles.js';
import { DEFAULT_ELO } from './elo.js';
import { DEFAULT_PI } from './pi-ratings.js';
import { DEFAULT_GOAL_FILTER } from './goal-filter.js';
import { blendProbs, blendStats, cumulativeForecasts, solveBlendQP } from './blend.js';
import { meanRps, outcomeOf, rps, type Outcome, type Probs3 } from './metrics.js';
import { DAY_MS } from '../../src/time.js';

/**
 * Candidate grids, each with its default in the middle: ξ per day (half-lives ≈ 1.6, 1.05, 0.7 years;
 * 0.0018 is the usual Dixon-Coles/penaltyblog value), Elo K, pi-rating learning rate (the paper uses
 * 0.035), goal-filter drift per day. The middle values were settled during development on E0 data.
 */
export const XI_GRID = [0.0012, 0.0018, 0.0027];
export const ELO_K_GRID = [10, 15, 22];
export const PI_LAMBDA_GRID = [0.035, 0.05, 0.07];
export const KF_DRIFT_GRID = [1.5e-5, 3e-5, 6e-5];
/**
 * Ridge prior precision of the Dixon-Coles strengths, in weighted matches. Not tuned: the validation
 * RPS is flat between 3 and 10 and it mostly matters for newly promoted clubs.
 */
export const DC_RIDGE = 5;
const BLOCK_DAYS = 28;
export const VALIDATION_DAYS = 1095;
const BAG_RESAMPLES = 50;
const MIN_VALIDATION_MATCHES = 150;
const MIN_HISTORY_DAYS = 300;

export type ComponentKey = 'dc' | 'elo' | 'pi' | 'kf';
export const COMPONENTS: readonly ComponentKey[] = ['dc', 'elo', 'pi', 'kf'];

export interface Hyper { xi: number; ridge: number; eloK: number; piLambda: number; kfDrift: number }

export interface Tuning {
  /** asOf of the fit that ran the validation (ISO). */
  tunedAt: string;
  hyper: Hyper;
  weights: Record<ComponentKey, number>;
  /** Validation RPS of each chosen component and of the pool; null when there was too little data. */
  validation: { n: number; from: string; rps: Record<ComponentKey | 'blend', number> } | null;
}

/** Used when there is too little history to validate (a new competition, tiny test data). */
export const DEFAULT_HYPER: Hyper = { xi: XI_GRID[1]!, ridge: DC_RIDGE, eloK: DEFAULT_ELO.k, piLambda: DEFAULT_PI.lambda, kfDrift: DEFAULT_GOAL_FILTER.drift };
export const DEFAULT_WEIGHTS: Record<ComponentKey, number> = { dc: 0.25, elo: 0.25, pi: 0.25, kf: 0.25 };

interface Block { startDay: number; from: number; to: number }

function blocksOf(rows: readonly DcMatch[], split: number, valStartDay: number): Block[] {
  const out: Block[] = [];
  for (let i = split; i < rows.length;) {
    const b = Math.floor((dayOf(rows[i]!.date) - valStartDay) / BLOCK_DAYS);
    const startDay = valStartDay + b * BLOCK_DAYS;
    let j = i;
    while (j < rows.length && dayOf(rows[j]!.date) < startDay + BLOCK_DAYS) j++;
    out.push({ startDay, from: i, to: j });
    i = j;
  }
  return out;
}

function dcValidation(rows: readonly DcMatch[], blocks: readonly Block[], xi: number): Probs3[] {
  const preds: Probs3[] = [];
  // Cold start on purpose: a warm start from the outer fit would carry its (later) newcomer prior back.
  let fit: DcComponent | undefined;
  for (const b of blocks) {
    fit = fitDcComponent(rows.slice(0, b.from), new Date(b.startDay * DAY_MS), xi, DC_RIDGE, fit);
    const index = new Map(fit.teams.map((t, i) => [t, i]));
    for (let i = b.from; i < b.to; i++) preds.push(dcForecast(fit, index, rows[i]!.home, rows[i]!.away, b.startDay).probs);
  }
  return preds;
}

function sequentialValidation<Cfg, S, J>(model: SequentialModel<Cfg, S, J>, cfg: Cfg, rows: readonly DcMatch[], split: number, blocks: readonly Block[], valStartDay: number): Probs3[] {
  const state = model.empty(cfg), log = new GapLog();
  model.run(state, rows.slice(0, split), cfg, model.calibrated ? (x, m) => log.add(x, m) : undefined);
  const logit = model.calibrated ? log.fit(valStartDay) : null;
  const preds: Probs3[] = [];
  for (const b of blocks) {
    // Ratings frozen at the block start, as a production refit at that date would have them.
    for (let i = b.from; i < b.to; i++) preds.push(model.forecast(state, rows[i]!.home, rows[i]!.away, b.startDay, cfg, logit));
    model.run(state, rows.slice(b.from, b.to), cfg);
  }
  return preds;
}

interface Scored<T> { value: T; preds: Probs3[]; losses: number[]; rps: number }

/**
 * Lowest validation RPS wins — but only if it beats the grid's middle (default) candidate by more than
 * one standard error of the paired per-match difference. RPS differences between sensible settings
 * are ~1e-4 while a 3-year window's standard error is several times that, so a plain argmin would
 * mostly chase noise (and did, in the 2012-24 walk-forward).
 */
function choose<T>(cands: readonly T[], evaluate: (c: T) => Probs3[], outcomes: readonly Outcome[]): Scored<T> {
  const scored: Scored<T>[] = cands.map((value) => {
    const preds = evaluate(value);
    const losses = preds.map((p, i) => rps(p, outcomes[i]!));
    return { value, preds, losses, rps: losses.reduce((a, b) => a + b, 0) / Math.max(1, losses.length) };
  });
  const def = scored[Math.floor(scored.length / 2)]!;
  const top = scored.reduce((a, b) => (b.rps < a.rps ? b : a));
  if (top === def) return def;
  const n = def.losses.length;
  const diffs = top.losses.map((l, i) => l - def.losses[i]!);
  const mean = diffs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return mean < -sd / Math.sqrt(n) ? top : def;
}

/** Deterministic PRNG (mulberry32) so that fits are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pool weights fitted on validation forecasts, then shrunk towards equal weights by a positive-part
 * James-Stein factor whose noise term is estimated by the bootstrap:
 *   w = u + max(0, 1 − E‖w_b − w̄‖² / ‖ŵ − u‖²)·(ŵ − u)
 * Estimated combination weights are notoriously noisy (the "forecast combination puzzle": simple
 * averages often beat them out of sample) and RPS differences between blends are ~1e-4 here, well
 * inside a 3-year window's noise. So the weights leave the equal split only as far as the validation
 * data can actually tell the components apart.
 */
export function shrunkBlendWeights(forecasts: readonly (readonly Probs3[])[], outcomes: readonly Outcome[], resamples = BAG_RESAMPLES, seed = 1): number[] {
  const n = outcomes.length, C = forecasts.length;
  if (C === 0 || n === 0) return forecasts.map(() => 1 / Math.max(1, C));
  const cum = cumulativeForecasts(forecasts);
  const full = solveBlendQP(blendStats(cum, outcomes));
  const rnd = mulberry32(seed);
  const boots: number[][] = [];
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rnd() * n);
    boots.push(solveBlendQP(blendStats(cum, outcomes, idx)));
  }
  const mean = full.map((_, c) => boots.reduce((s, w) => s + w[c]!, 0) / resamples);
  const noise = boots.reduce((s, w) => s + w.reduce((t, x, c) => t + (x - mean[c]!) ** 2, 0), 0) / resamples;
  const dev = full.reduce((s, x) => s + (x - 1 / C) ** 2, 0);
  const keep = dev > 0 ? Math.max(0, 1 - noise / dev) : 0;
  return full.map((x) => 1 / C + keep * (x - 1 / C));
}

export function tuneLeague(rows: readonly DcMatch[], asOf: Date, opts: { validationDays?: number; tune?: boolean }): Tuning {
  const asOfDay = dayOf(asOf);
  const valStartDay = asOfDay - (opts.validationDays ?? VALIDATION_DAYS);
  let split = 0;
  while (split < rows.length && dayOf(rows[split]!.date) < valStartDay) split++;
  const firstDay = rows.length ? dayOf(rows[0]!.date) : asOfDay;
  if (opts.tune === false || rows.length - split < MIN_VALIDATION_MATCHES || valStartDay - firstDay < MIN_HISTORY_DAYS) {
    return { tunedAt: asOf.toISOString(), hyper: { ...DEFAULT_HYPER }, weights: { ...DEFAULT_WEIGHTS }, validation: null };
  }
  const blocks = blocksOf(rows, split, valStartDay);
  const outcomes = rows.slice(split).map((m) => outcomeOf(m.homeGoals, m.awayGoals));
  const seq = <Cfg, S, J>(model: SequentialModel<Cfg, S, J>, cfg: Cfg): Probs3[] => sequentialValidation(model, cfg, rows, split, blocks, valStartDay);
  const dc = choose(XI_GRID, (xi) => dcValidation(rows, blocks, xi), outcomes);
  const elo = choose(ELO_K_GRID, (k) => seq(ELO_MODEL, { ...DEFAULT_ELO, k }), outcomes);
  const pi = choose(PI_LAMBDA_GRID, (lambda) => seq(PI_MODEL, { ...DEFAULT_PI, lambda }), outcomes);
  const kf = choose(KF_DRIFT_GRID, (drift) => seq(KF_MODEL, { ...DEFAULT_GOAL_FILTER, drift }), outcomes);
  const chosen = [dc, elo, pi, kf];
  const w = shrunkBlendWeights(chosen.map((c) => c.preds), outcomes);
  const pooled = outcomes.map((_, i) => blendProbs(chosen.map((c) => c.preds[i]!), w));
  return {
    tunedAt: asOf.toISOString(),
    hyper: { xi: dc.value, ridge: DC_RIDGE, eloK: elo.value, piLambda: pi.value, kfDrift: kf.value },
    weights: { dc: w[0]!, elo: w[1]!, pi: w[2]!, kf: w[3]! },
    validation: {
      n: outcomes.length,
      from: new Date(valStartDay * DAY_MS).toISOString(),
      rps: { dc: dc.rps, elo: elo.rps, pi: pi.rps, kf: kf.rps, blend: meanRps(pooled, outcomes) },
    },
  };
}
