// Distribution functions, all from cephes (the C library scipy.special wraps, compiled to WASM): one
// thin wrapper so the rest of the statistics never calls cephes directly and the backend could change.
// cephes loads asynchronously as an ES module: `await distReady()` once before the first call (every
// entry point of this library that needs a distribution does).
import * as cephes from 'cephes';

let ready = false;
export async function distReady(): Promise<void> {
  if (ready) return;
  await cephes.compiled;
  ready = true;
}

function check(): void {
  if (!ready) throw new Error('distribution functions used before distReady() resolved');
}

export function normalCdf(x: number): number {
  check();
  return cephes.ndtr(x);
}

/** Upper tail of the standard normal, accurate far out (no 1 − cdf cancellation). */
export function normalSf(x: number): number {
  check();
  return cephes.ndtr(-x);
}

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export function normalQuantile(p: number): number {
  check();
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  return cephes.ndtri(p);
}

/**
 * Upper tail of Student's t with any (fractional) ν: cephes' stdtr takes integer df only, so this goes
 * through the regularised incomplete beta: P(T > t) = ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0.
 */
export function tSf(t: number, df: number): number {
  check();
  if (!(df > 0)) throw new RangeError(`tSf: df must be > 0, got ${df}`);
  if (!Number.isFinite(t)) return t > 0 ? 0 : 1;
  const tail = 0.5 * cephes.incbet(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? tail : 1 - tail;
}

/** Two-sided p-value of a t statistic. */
export function tTwoSided(t: number, df: number): number {
  check();
  if (!Number.isFinite(t)) return 0;
  return cephes.incbet(df / 2, 0.5, df / (df + t * t));
}

/** Quantile of Student's t with fractional ν (via the inverse incomplete beta). */
export function tQuantile(p: number, df: number): number {
  check();
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  const tail = p < 0.5 ? p : 1 - p;
  const x = cephes.incbi(df / 2, 0.5, 2 * tail);
  const t = Math.sqrt((df * (1 - x)) / x);
  return p < 0.5 ? -t : t;
}

export function chi2Sf(x: number, df: number): number {
  check();
  if (!(df > 0)) throw new RangeError(`chi2Sf: df must be > 0, got ${df}`);
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  return cephes.chdtrc(df, x);
}

/** Kolmogorov's limiting distribution: Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²}. */
export function kolmogorovSf(lambda: number): number {
  check();
  return cephes.kolmogorov(lambda);
}
