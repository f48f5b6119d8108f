// Effect estimates between two arms from their moments (GrowthBook gbstats, statistics.md §2.1–2.3):
// absolute Δ = μ_B − μ_A or relative Δ/|μ_A| with the delta-method variance; Welch–Satterthwaite df on
// the unit variances; the fixed-horizon t interval; the flat-prior Bayesian chance to beat control and
// expected loss (risk). Guards as gbstats: a variance ≤ 0, μ_A = 0 (relative) or n < 2 is uninformative.
import { normalCdf, normalPdf, normalQuantile, tQuantile, tTwoSided } from './dist.js';
import type { Moments } from './tests.js';

export interface Effect { delta: number; se: number; df: number; informative: boolean }

export function effect(a: Moments, b: Moments, relative: boolean): Effect {
  const df = (b.variance / b.n + a.variance / a.n) ** 2 / ((b.variance ** 2) / (b.n ** 2 * (b.n - 1)) + (a.variance ** 2) / (a.n ** 2 * (a.n - 1)));
  const informative = a.n >= 2 && b.n >= 2 && a.variance > 0 && b.variance > 0 && (!relative || a.mean !== 0);
  if (!informative) return { delta: 0, se: 0, df: NaN, informative };
  if (!relative) return { delta: b.mean - a.mean, se: Math.sqrt(a.variance / a.n + b.variance / b.n), df, informative };
  const ma = a.mean, mb = b.mean;
  const v = b.variance / (b.n * ma * ma) + (a.variance * mb * mb) / (a.n * ma ** 4);
  return { delta: (mb - ma) / Math.abs(ma), se: Math.sqrt(v), df, informative };
}

export interface Interval { lower: number; upper: number }

export interface FixedHorizon extends Interval { pValue: number }

export function fixedHorizon(e: Effect, alpha = 0.05): FixedHorizon {
  if (!e.informative) return { lower: 0, upper: 0, pValue: 1 };
  const t = tQuantile(1 - alpha / 2, e.df);
  return { lower: e.delta - t * e.se, upper: e.delta + t * e.se, pValue: tTwoSided(e.delta / e.se, e.df) };
}

export interface Bayesian extends Interval {
  /** P(treatment better than control); for lower-is-better metrics (`inverse`) P(Δ < 0). */
  chanceToWin: number;
  /** Expected loss of choosing control, of choosing treatment (in the effect's units). */
  risk: [control: number, treatment: number];
  mean: number;
  sd: number;
}

/** Gaussian posterior on the effect; flat prior by default, or N(priorMean, priorVariance). */
export function bayesian(e: Effect, o: { inverse?: boolean; alpha?: number; prior?: { mean: number; variance: number } } = {}): Bayesian {
  if (!e.informative) return { lower: 0, upper: 0, chanceToWin: 0.5, risk: [0, 0], mean: 0, sd: 0 };
  let mean = e.delta, sd = e.se;
  if (o.prior) {
    const prec = 1 / (e.se * e.se) + 1 / o.prior.variance;
    mean = (e.delta / (e.se * e.se) + o.prior.mean / o.prior.variance) / prec;
    sd = Math.sqrt(1 / prec);
  }
  const z = mean / sd;
  const up = normalCdf(z);
  const chanceToWin = o.inverse ? 1 - up : up;
  const q = normalQuantile(1 - (o.alpha ?? 0.05) / 2);
  // Risk in the direction where bigger is better; `inverse` flips the sign of the effect first.
  const m = o.inverse ? -mean : mean;
  const zz = m / sd;
  const risk: [number, number] = Math.abs(zz) > 37
    ? [Math.max(m, 0), Math.max(-m, 0)]
    : [m * normalCdf(zz) + sd * normalPdf(zz), sd * normalPdf(zz) - m * normalCdf(-zz)];
  return { lower: mean - q * sd, upper: mean + q * sd, chanceToWin, risk, mean, sd };
}
