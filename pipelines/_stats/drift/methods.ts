// Drift tests per feature, chosen by type and sample size as statistics.md §1.5 recommends:
//   numerical (> 5 distinct values): KS two-sample (exact p when n_R·n_C ≤ 10⁷) while the reference has at
//     most `largeSample` rows, else Wasserstein normalised by the reference's standard deviation;
//   categorical (or ≤ 5 distinct values): chi-square on the 2×K table with sparse categories merged,
//     else the Jensen–Shannon distance (natural log);
//   binary: the two-proportion pooled z-test, else Jensen–Shannon;
//   PSI always (10 reference-decile bins or the categories; 1e-4 for an empty bin);
//   "insufficient data" below `minSample` rows in either window instead of a verdict.
// Pure and synchronous: it runs in a worker thread (worker.ts) on transferred Float64Arrays.
import { jensenShannon, psiDeciles, psiFromCounts, stdPop, wasserstein1Sorted, wassersteinNormed } from '../distance.js';
import { ks2samp } from '../ks.js';
import { correct, type Correction } from '../multitest.js';
import { chiSquareContingency, mergeSparse, twoProportionZ } from '../tests.js';

export interface DriftThresholds {
  minSample: number;
  largeSample: number;
  alpha: number;
  criticalP: number;
  correction: Correction;
  psiWarn: number;
  psiCritical: number;
  distanceWarn: number;
  distanceCritical: number;
}

export type Severity = 'none' | 'warning' | 'critical';
const RANK: Record<Severity, number> = { none: 0, warning: 1, critical: 2 };
export const worse = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

export interface FeatureInput { name: string; kind: 'numerical' | 'categorical'; reference: Float64Array; current: Float64Array }

export interface FeatureResult {
  feature: string;
  type: 'numerical' | 'categorical' | 'binary';
  nReference: number;
  nCurrent: number;
  status: 'ok' | 'drift' | 'insufficient_data';
  severity: Severity;
  /** The method whose verdict decided (the test, a distance, or PSI when only PSI saw drift). */
  method: string;
  statistic: number | null;
  pValue: number | null;
  /** The p-value after the correction across this check's features. */
  adjustedP: number | null;
  psi: number | null;
  /** Everything computed, for the record. */
  details: Record<string, number | string | null>;
}

const sevOfP = (p: number, t: DriftThresholds): Severity => (p < t.criticalP ? 'critical' : p < t.alpha ? 'warning' : 'none');
const sevOfDistance = (d: number, t: DriftThresholds): Severity => (d >= t.distanceCritical ? 'critical' : d >= t.distanceWarn ? 'warning' : 'none');
const sevOfPsi = (psi: number, t: DriftThresholds): Severity => (psi >= t.psiCritical ? 'critical' : psi >= t.psiWarn ? 'warning' : 'none');

function distinctSorted(s: Float64Array, cap: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) { out.push(s[i]!); if (out.length > cap) break; }
  return out;
}

function countsOver(values: number[], s: Float64Array): number[] {
  const at = new Map(values.map((v, i) => [v, i]));
  const c = new Array(values.length).fill(0);
  for (let i = 0; i < s.length; i++) c[at.get(s[i]!)!]++;
  return c;
}

interface Raw { result: FeatureResult; pForCorrection: number | null }

function numerical(f: FeatureInput, ref: Float64Array, cur: Float64Array, t: DriftThresholds): Raw {
  const ks = ks2samp(ref, cur, { presorted: true });
  const w1 = wasserstein1Sorted(ref, cur);
  const sd = stdPop(ref);
  const wn = wassersteinNormed(w1, sd);
  const psi = psiDeciles(ref, cur, { sorted: true }).psi;
  const large = ref.length > t.largeSample;
  const details = { ksStatistic: ks.statistic, ksPValue: ks.pValue, ksMethod: ks.method, wasserstein: w1, wassersteinNormed: wn, referenceStd: sd, psi };
  const result: FeatureResult = {
    feature: f.name, type: 'numerical', nReference: ref.length, nCurrent: cur.length, status: 'ok', severity: 'none',
    method: large ? 'wasserstein_normed' : 'ks', statistic: large ? wn : ks.statistic, pValue: large ? null : ks.pValue, adjustedP: null, psi, details,
  };
  if (large) result.severity = sevOfDistance(wn, t);
  return { result, pForCorrection: large ? null : ks.pValue };
}

function categorical(f: FeatureInput, ref: Float64Array, cur: Float64Array, t: DriftThresholds): Raw {
  const cats = [...new Set([...distinctSorted(ref, Infinity), ...distinctSorted(cur, Infinity)])].sort((a, b) => a - b);
  const rc = countsOver(cats, ref), cc = countsOver(cats, cur);
  const psi = psiFromCounts(rc, cc);
  const large = ref.length > t.largeSample;
  const base = { feature: f.name, nReference: ref.length, nCurrent: cur.length, status: 'ok' as const, severity: 'none' as Severity, adjustedP: null, psi };
  if (large) {
    const js = jensenShannon(rc, cc, 'e');
    return { result: { ...base, type: cats.length <= 2 ? 'binary' : 'categorical', method: 'jensen_shannon', statistic: js, pValue: null, severity: sevOfDistance(js, t), details: { jensenShannon: js, psi, categories: cats.length } }, pForCorrection: null };
  }
  if (cats.length <= 2) {
    // The first category is coded 0, the other 1 (Evidently's z-test); both constant and equal: p = 1.
    const x1 = rc[1] ?? 0, x2 = cc[1] ?? 0;
    const z = twoProportionZ(x1, ref.length, x2, cur.length);
    return { result: { ...base, type: 'binary', method: 'z_test', statistic: z.z, pValue: z.pValue, details: { z: z.z, pValue: z.pValue, psi } }, pForCorrection: z.pValue };
  }
  const merged = mergeSparse(cats.map(String), rc, cc);
  const chi = chiSquareContingency(merged.reference, merged.current);
  return {
    result: { ...base, type: 'categorical', method: 'chi_square', statistic: chi.statistic, pValue: chi.pValue, details: { chiSquare: chi.statistic, df: chi.df, pValue: chi.pValue, merged: merged.merged.join(',') || null, psi } },
    pForCorrection: chi.pValue,
  };
}

export function checkFeatures(features: FeatureInput[], t: DriftThresholds): FeatureResult[] {
  const raws: Raw[] = features.map((f) => {
    const ref = f.reference.slice().sort(), cur = f.current.slice().sort();
    if (ref.length < t.minSample || cur.length < t.minSample) {
      return {
        result: { feature: f.name, type: f.kind, nReference: ref.length, nCurrent: cur.length, status: 'insufficient_data', severity: 'none', method: 'none', statistic: null, pValue: null, adjustedP: null, psi: null, details: { minSample: t.minSample } },
        pForCorrection: null,
      };
    }
    const numeric = f.kind === 'numerical' && distinctSorted(ref, 5).length > 5;
    return numeric ? numerical(f, ref, cur, t) : categorical(f, ref, cur, t);
  });
  // The correction runs across the p-value tests of this check (alibi-detect's batch decision).
  const tested = raws.filter((r) => r.pForCorrection !== null);
  const adj = correct(tested.map((r) => r.pForCorrection!), t.alpha, t.correction);
  tested.forEach((r, i) => {
    r.result.adjustedP = adj.adjusted[i]!;
    r.result.severity = sevOfP(adj.adjusted[i]!, t);
  });
  for (const { result: r } of raws) {
    if (r.status === 'insufficient_data') continue;
    const psiSev = sevOfPsi(r.psi!, t);
    if (RANK[psiSev] > RANK[r.severity]) { r.severity = psiSev; r.method = 'psi'; r.statistic = r.psi; r.pValue = null; }
    r.status = r.severity === 'none' ? 'ok' : 'drift';
  }
  return raws.map((r) => r.result);
}
