// Scoring rules for H/D/A forecasts (statistics.md §4): outcome 0 = home, 1 = draw, 2 = away.
// RPS includes the ½ (1/(r−1)) factor; Brier sums the 3 classes (range 0..2); log loss is natural, p
// clipped to [1e-15, 1]; accuracy takes the arg-max with ties going to the earlier outcome (H, D, A).
// The same formulas run in SQL (accuracy-sql.ts) and in the baseline's evaluation (_baseline-model/metrics.ts).
export type Probs3 = readonly [number, number, number];
export type Outcome3 = 0 | 1 | 2;

export const LOGLOSS_FLOOR = 1e-15;

/** Tolerance of the sum of a stored forecast's three probabilities. */
export const PROB_SUM_TOLERANCE = 1e-6;

/** Why a forecast cannot be scored, or null: NaN, outside [0, 1], or not summing to 1. */
export function invalidForecast(p: readonly number[]): string | null {
  if (p.length !== 3) return `expected 3 probabilities, got ${p.length}`;
  for (const x of p) if (typeof x !== 'number' || !Number.isFinite(x)) return 'a probability is NaN or infinite';
  for (const x of p) if (x < 0 || x > 1) return `probability ${x} is outside [0, 1]`;
  const s = p[0]! + p[1]! + p[2]!;
  if (Math.abs(s - 1) > PROB_SUM_TOLERANCE) return `probabilities sum to ${s}, not 1`;
  return null;
}

export function rps(p: Probs3, o: Outcome3): number {
  const c1 = p[0] - (o === 0 ? 1 : 0);
  const c2 = p[0] + p[1] - (o <= 1 ? 1 : 0);
  return 0.5 * (c1 * c1 + c2 * c2);
}

export function brier(p: Probs3, o: Outcome3): number {
  let s = 0;
  for (let k = 0; k < 3; k++) {
    const e = (k === o ? 1 : 0) - p[k]!;
    s += e * e;
  }
  return s;
}

export function logLoss(p: Probs3, o: Outcome3): number {
  return -Math.log(Math.min(1, Math.max(p[o], LOGLOSS_FLOOR)));
}

export function argmax3(p: Probs3): Outcome3 {
  let best: Outcome3 = 0;
  if (p[1] > p[best]) best = 1;
  if (p[2] > p[best]) best = 2;
  return best;
}

export interface ScoreSummary { n: number; accuracy: number; brier: number; logLoss: number; rps: number }

/** Mean scores; an empty input gives n = 0 and null-like NaN means (callers report "no data"). */
export function summarise(probs: readonly Probs3[], outcomes: readonly Outcome3[]): ScoreSummary {
  if (probs.length !== outcomes.length) throw new RangeError('probs and outcomes differ in length');
  let a = 0, b = 0, l = 0, r = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!, o = outcomes[i]!;
    a += argmax3(p) === o ? 1 : 0;
    b += brier(p, o);
    l += logLoss(p, o);
    r += rps(p, o);
  }
  const n = probs.length;
  return { n, accuracy: a / n, brier: b / n, logLoss: l / n, rps: r / n };
}
