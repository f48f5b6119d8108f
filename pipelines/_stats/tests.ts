// Classical tests on top of dist.ts: chi-square (goodness of fit, 2×K contingency with sparse categories
// merged), sample-ratio mismatch, two-proportion pooled z, Welch and paired t (statistics.md §1, §2).
import { chi2Sf, normalSf, tTwoSided } from './dist.js';

export interface TestResult { statistic: number; pValue: number; df: number }

/** Chi-square goodness of fit of observed counts against expected counts (same total). */
export function chiSquareGof(observed: readonly number[], expected: readonly number[]): TestResult {
  if (observed.length !== expected.length || observed.length < 2) throw new RangeError('chiSquareGof: need ≥ 2 categories of the same length');
  let stat = 0;
  for (let k = 0; k < observed.length; k++) {
    const e = expected[k]!;
    if (e === 0) { if (observed[k]! > 0) stat = Infinity; continue; }
    stat += (observed[k]! - e) ** 2 / e;
  }
  const df = observed.length - 1;
  return { statistic: stat, pValue: chi2Sf(stat, df), df };
}

export interface SrmResult extends TestResult { status: 'healthy' | 'mismatch' | 'not-enough-traffic' }

export const SRM_THRESHOLD = 0.001;
export const SRM_MIN_PER_ARM = 8;

/**
 * Sample-ratio mismatch (GrowthBook check_srm): χ² of the observed unit counts against the configured
 * split; p < 0.001 is a mismatch; not evaluated while the total is below 8 per arm.
 */
export function srmCheck(observed: readonly number[], split: readonly number[], threshold = SRM_THRESHOLD): SrmResult {
  const used = split.map((w, i) => ({ w, o: observed[i]! })).filter((a) => a.w > 0);
  const total = used.reduce((s, a) => s + a.o, 0);
  const wsum = used.reduce((s, a) => s + a.w, 0);
  const r = chiSquareGof(used.map((a) => a.o), used.map((a) => (a.w / wsum) * total));
  if (total < SRM_MIN_PER_ARM * used.length) return { ...r, status: 'not-enough-traffic' };
  return { ...r, status: r.pValue < threshold ? 'mismatch' : 'healthy' };
}

/** Two-proportion z-test with pooled variance, two-sided. Both samples constant and equal: p = 1. */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { z: number; pValue: number } {
  const p1 = x1 / n1, p2 = x2 / n2, pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (p1 - p2) / se;
  return { z, pValue: 2 * normalSf(Math.abs(z)) };
}

export interface MergedTable { categories: string[]; reference: number[]; current: number[]; merged: string[] }

/**
 * Merges categories whose expected count in the 2×K table is below `minExpected` into "other" (rarest
 * first, until every expected count reaches it or two categories remain).
 */
export function mergeSparse(categories: readonly string[], ref: readonly number[], cur: readonly number[], minExpected = 5): MergedTable {
  let cats = categories.map((c, i) => ({ c, r: ref[i]!, u: cur[i]! })).filter((x) => x.r + x.u > 0);
  const merged: string[] = [];
  const nr = cats.reduce((s, x) => s + x.r, 0), nu = cats.reduce((s, x) => s + x.u, 0), n = nr + nu;
  const minExp = (x: { r: number; u: number }) => (Math.min(nr, nu) * (x.r + x.u)) / n;
  while (cats.length > 2) {
    cats.sort((a, b) => a.r + a.u - (b.r + b.u));
    if (minExp(cats[0]!) >= minExpected) break;
    const [a, b] = cats.splice(0, 2) as [typeof cats[0], typeof cats[0]];
    merged.push(...[a.c, b.c].filter((c) => c !== 'other'));
    cats.push({ c: 'other', r: a.r + b.r, u: a.u + b.u });
  }
  return { categories: cats.map((x) => x.c), reference: cats.map((x) => x.r), current: cats.map((x) => x.u), merged };
}

/** Chi-square test of a 2×K contingency table (reference vs current counts), Yates-corrected when df = 1 like scipy. */
export function chiSquareContingency(ref: readonly number[], cur: readonly number[]): TestResult {
  const nr = ref.reduce((s, v) => s + v, 0), nc = cur.reduce((s, v) => s + v, 0), n = nr + nc;
  const k = ref.length;
  const df = k - 1;
  if (df < 1 || nr === 0 || nc === 0) return { statistic: 0, pValue: 1, df: Math.max(df, 0) };
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const col = ref[i]! + cur[i]!;
    for (const [obs, rowTotal] of [[ref[i]!, nr], [cur[i]!, nc]] as const) {
      const e = (rowTotal * col) / n;
      if (e === 0) continue;
      const diff = df === 1 ? Math.max(0, Math.abs(obs - e) - 0.5) : obs - e;
      stat += (diff * diff) / e;
    }
  }
  return { statistic: stat, pValue: chi2Sf(stat, df), df };
}

/** Summary statistics of one sample: n, mean, unbiased variance. */
export interface Moments { n: number; mean: number; variance: number }

export function moments(x: ArrayLike<number>): Moments {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i]! - m) ** 2;
  return { n, mean: m, variance: n > 1 ? s / (n - 1) : NaN };
}

/** From running sums (n, Σx, Σx²), as stored per arm. */
export function momentsFromSums(n: number, sum: number, sumSq: number): Moments {
  const mean = sum / n;
  return { n, mean, variance: n > 1 ? Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)) : NaN };
}

export interface TTestResult { statistic: number; pValue: number; df: number; delta: number; se: number }

/** Welch's unequal-variance t-test of mean(a) − mean(b), two-sided (scipy ttest_ind(equal_var=False)). */
export function welchT(a: Moments, b: Moments): TTestResult {
  const va = a.variance / a.n, vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const delta = a.mean - b.mean;
  const df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1));
  if (!(se > 0)) return { statistic: NaN, pValue: 1, df, delta, se };
  const t = delta / se;
  return { statistic: t, pValue: tTwoSided(t, df), df, delta, se };
}

/** Paired t-test of mean(a − b), two-sided (scipy ttest_rel). */
export function pairedT(a: ArrayLike<number>, b: ArrayLike<number>): TTestResult {
  if (a.length !== b.length) throw new RangeError('pairedT: samples differ in length');
  const d = Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
  return oneSampleT(moments(d));
}

/** One-sample t-test of mean = 0 from moments (the paired analysis on stored per-match differences). */
export function oneSampleT(m: Moments): TTestResult {
  const se = Math.sqrt(m.variance / m.n);
  const df = m.n - 1;
  if (!(se > 0)) return { statistic: NaN, pValue: 1, df, delta: m.mean, se };
  const t = m.mean / se;
  return { statistic: t, pValue: tTwoSided(t, df), df, delta: m.mean, se };
}
