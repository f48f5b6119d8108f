// Always-valid sequential inference: one normal-mixture routine serves both GrowthBook's asymptotic
// confidence sequences and the mSPRT (statistics.md §2.4, §2.7: with τ² = ρ²σ² the two are the same
// boundary). Checking after every match keeps the type-I error ≤ α (Ville's inequality).

/** GrowthBook's ρ for a two-sided test at α, tuned to decide near N* total units. */
export function growthbookRho(alpha: number, nStar: number): number {
  const l = -2 * Math.log(alpha);
  return Math.sqrt((l + Math.log(l + 1)) / nStar);
}

export interface SequentialResult {
  lower: number;
  upper: number;
  /** Always-valid p-value of this look: min(1, 1/Λ). Keep the running minimum across looks. */
  pValue: number;
  /** Mixture likelihood ratio Λ. */
  lambda: number;
}

/**
 * Confidence sequence and p-value for an effect estimate `delta` with standard error `se` after `n`
 * total units, mixing parameter ρ (GrowthBook: per-unit variance s² = se²·n, τ² = ρ²·s²).
 */
export function normalMixture(delta: number, se: number, n: number, rho: number, alpha = 0.05, nullValue = 0): SequentialResult {
  if (!(se > 0) || !(n > 0)) return { lower: -Infinity, upper: Infinity, pValue: 1, lambda: 1 };
  const s2 = se * se * n;
  const r2n = n * rho * rho + 1;
  const half = Math.sqrt(s2) * Math.sqrt(((2 * r2n) / (n * n * rho * rho)) * Math.log(Math.sqrt(r2n) / alpha));
  const S = ((delta - nullValue) ** 2 * n) / (se * se);
  const logLambda = (rho * rho * S) / (2 * r2n) - 0.5 * Math.log(r2n);
  const lambda = Math.exp(logLambda);
  return { lower: delta - half, upper: delta + half, pValue: Math.min(1, Math.exp(-logLambda)), lambda };
}

/**
 * mSPRT in Johari et al.'s inputs: V the per-pair variance of Y − X (2σ² for two streams of variance σ²),
 * mixing variance τ², n pairs, mean difference Δ: Λ = √(V/(V+nτ²))·exp(n²τ²Δ²/(2V(V+nτ²))).
 */
export function msprt(deltaMean: number, V: number, n: number, tau2: number): { lambda: number; pValue: number } {
  const vn = V + n * tau2;
  const logLambda = 0.5 * Math.log(V / vn) + (n * n * tau2 * deltaMean * deltaMean) / (2 * V * vn);
  return { lambda: Math.exp(logLambda), pValue: Math.min(1, Math.exp(-logLambda)) };
}

/** Always-valid interval of the mSPRT at α: Δ ± √(V(V+nτ²)/(n²τ²)·(2 ln(1/α) + ln((V+nτ²)/V))). */
export function msprtHalfWidth(V: number, n: number, tau2: number, alpha: number): number {
  const vn = V + n * tau2;
  return Math.sqrt(((V * vn) / (n * n * tau2)) * (2 * Math.log(1 / alpha) + Math.log(vn / V)));
}
