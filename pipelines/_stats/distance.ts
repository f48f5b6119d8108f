// Distances between two samples or two categorical distributions (statistics.md §1, vectors' README):
// Wasserstein-1 (scipy's wasserstein_distance) and its normalised form, Jensen–Shannon distance, PSI on
// reference-decile bins.

/** W1 between the empirical distributions of two sorted samples: ∫|F_a − F_b| dx, one merged walk. */
export function wasserstein1Sorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length, n2 = b.length;
  if (!n1 || !n2) throw new RangeError('wasserstein: both samples must be non-empty');
  let i = 0, j = 0, sum = 0;
  let x = Math.min(a[0]!, b[0]!);
  while (i < n1 || j < n2) {
    // Advance past every value equal to x in both samples, then integrate |F_a − F_b| up to the next value.
    while (i < n1 && a[i]! === x) i++;
    while (j < n2 && b[j]! === x) j++;
    if (i === n1 && j === n2) break;
    const next = i < n1 && (j >= n2 || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    sum += Math.abs(i / n1 - j / n2) * (next - x);
    x = next;
  }
  return sum;
}

export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return wasserstein1Sorted(Float64Array.from(a).sort(), Float64Array.from(b).sort());
}

/** Population standard deviation (ddof = 0). */
export function stdPop(x: ArrayLike<number>): number {
  const n = x.length;
  if (!n) return NaN;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i]!;
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / n);
}

/** Evidently's normed Wasserstein: W1 / max(std(reference), 0.001). */
export function wassersteinNormed(w1: number, referenceStd: number): number {
  return w1 / Math.max(referenceStd, 0.001);
}

/**
 * Jensen–Shannon distance between two distributions given as counts (or weights) over the same
 * categories: √(½KL(p‖m) + ½KL(q‖m)), m = (p + q)/2. Base 2 gives 0..1 (the vectors' convention), base e
 * 0..√ln 2 (Evidently's). Finite with zero counts, so no smoothing.
 */
export function jensenShannon(pCounts: readonly number[], qCounts: readonly number[], base: 2 | 'e' = 2): number {
  if (pCounts.length !== qCounts.length) throw new RangeError('jensenShannon: the two distributions need the same categories');
  const sp = pCounts.reduce((s, v) => s + v, 0), sq = qCounts.reduce((s, v) => s + v, 0);
  if (!(sp > 0) || !(sq > 0)) throw new RangeError('jensenShannon: a distribution has no mass');
  let js = 0;
  for (let k = 0; k < pCounts.length; k++) {
    const p = pCounts[k]! / sp, q = qCounts[k]! / sq, m = (p + q) / 2;
    if (p > 0) js += 0.5 * p * Math.log(p / m);
    if (q > 0) js += 0.5 * q * Math.log(q / m);
  }
  if (base === 2) js /= Math.LN2;
  return Math.sqrt(Math.max(0, js));
}

/** numpy.quantile (linear interpolation) of a sorted sample. */
export function quantileSorted(s: Float64Array, p: number): number {
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/** The 9 inner edges of 10 reference-decile bins (outer bins open). Frozen at fit time for later windows. */
export function decileEdges(sortedReference: Float64Array, bins = 10): number[] {
  if (!sortedReference.length) throw new RangeError('decileEdges: empty reference');
  return Array.from({ length: bins - 1 }, (_, k) => quantileSorted(sortedReference, (k + 1) / bins));
}

/** Bin of x: the number of edges ≤ x (a value equal to an edge falls in the bin to its right). */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export const PSI_EMPTY_SHARE = 1e-4;

/** PSI = Σ (cur − ref)·ln(cur/ref) over shares; an empty bin's share is replaced by 1e-4 (not renormalised). */
export function psiFromCounts(refCounts: readonly number[], curCounts: readonly number[]): number {
  const nr = refCounts.reduce((s, v) => s + v, 0), nc = curCounts.reduce((s, v) => s + v, 0);
  if (!(nr > 0) || !(nc > 0)) throw new RangeError('psi: a sample is empty');
  let psi = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const r = refCounts[k]! / nr || PSI_EMPTY_SHARE;
    const c = curCounts[k]! / nc || PSI_EMPTY_SHARE;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** Counts per bin of a sample; a sorted sample is counted in one walk. */
export function binCounts(edges: readonly number[], x: ArrayLike<number>, sorted = false): number[] {
  const counts = new Array(edges.length + 1).fill(0);
  if (sorted) {
    let b = 0;
    for (let i = 0; i < x.length; i++) {
      while (b < edges.length && edges[b]! <= x[i]!) b++;
      counts[b]++;
    }
  } else {
    for (let i = 0; i < x.length; i++) counts[binIndex(edges, x[i]!)]++;
  }
  return counts;
}

export interface PsiResult { psi: number; edges: number[]; reference: number[]; current: number[] }

/** PSI on 10 reference-decile bins (or on given frozen `edges`). */
export function psiDeciles(reference: ArrayLike<number>, current: ArrayLike<number>, o: { edges?: number[]; sorted?: boolean } = {}): PsiResult {
  const ref = o.sorted ? (reference as Float64Array) : Float64Array.from(reference).sort();
  const edges = o.edges ?? decileEdges(ref);
  const refCounts = binCounts(edges, ref, true);
  const curCounts = binCounts(edges, current, o.sorted ?? false);
  return { psi: psiFromCounts(refCounts, curCounts), edges, reference: refCounts, current: curCounts };
}
