// Reliability tables and calibration errors (statistics.md §4): top-label ECE on equal-width bins over
// (0, 1], right-closed as torchmetrics bins them, with RMSCE (L2) and MCE (max) beside; class-wise
// one-vs-rest tables for the reliability diagram. Empty bins carry n = 0 and no gap.
export interface ReliabilityBin {
  /** Upper edge of the bin (lower edge = upper − 1/bins). */
  upper: number;
  n: number;
  /** Mean forecast probability in the bin (null when empty). */
  confidence: number | null;
  /** Observed frequency in the bin (null when empty). */
  frequency: number | null;
}

export interface CalibrationErrors { ece: number; rmsce: number; mce: number; n: number }

/** Bin index of a probability on (0, 1] with right-closed bins: ceil(p·bins) − 1, 0 for p = 0. */
export function binOf(p: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
}

/** Sums per bin, which is also how the SQL stores them (so a table can be merged and re-derived). */
export interface BinSums { n: number[]; sumP: number[]; hits: number[] }

/** A stored table: dense (n, sumP, hits of every bin) or sparse (with `bin`, the indices present). */
export type StoredBins = BinSums & { bin?: number[] };

/** Pads a sparse stored table to `bins` bins (the SQL stores only the bins that hold forecasts). */
export function densify(t: StoredBins, bins = 10): BinSums {
  if (!t.bin) return t;
  const d = emptyBins(bins);
  t.bin.forEach((b, i) => { d.n[b] = Number(t.n[i]); d.sumP[b] = Number(t.sumP[i]); d.hits[b] = Number(t.hits[i]); });
  return d;
}

export function emptyBins(bins: number): BinSums {
  return { n: new Array(bins).fill(0), sumP: new Array(bins).fill(0), hits: new Array(bins).fill(0) };
}

export function addToBins(s: BinSums, p: number, hit: boolean): void {
  const b = binOf(p, s.n.length);
  s.n[b]!++;
  s.sumP[b]! += p;
  s.hits[b]! += hit ? 1 : 0;
}

export function reliability(s: BinSums): ReliabilityBin[] {
  const bins = s.n.length;
  return s.n.map((n, b) => ({
    upper: (b + 1) / bins,
    n,
    confidence: n ? s.sumP[b]! / n : null,
    frequency: n ? s.hits[b]! / n : null,
  }));
}

export function calibrationErrors(s: BinSums): CalibrationErrors {
  const total = s.n.reduce((a, b) => a + b, 0);
  let ece = 0, sq = 0, mce = 0;
  if (total === 0) return { ece: NaN, rmsce: NaN, mce: NaN, n: 0 };
  for (let b = 0; b < s.n.length; b++) {
    const n = s.n[b]!;
    if (!n) continue;
    const gap = Math.abs(s.hits[b]! / n - s.sumP[b]! / n);
    ece += (n / total) * gap;
    sq += (n / total) * gap * gap;
    mce = Math.max(mce, gap);
  }
  return { ece, rmsce: Math.sqrt(sq), mce, n: total };
}

/** Top-label calibration of multi-class forecasts: confidence = max p, hit = its class is the target. */
export function topLabelBins(probs: readonly (readonly number[])[], targets: readonly number[], bins: number): BinSums {
  const s = emptyBins(bins);
  probs.forEach((p, i) => {
    let k = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[k]!) k = j;
    addToBins(s, p[k]!, k === targets[i]);
  });
  return s;
}

/** One-vs-rest table of class `k` (the reliability diagram draws one per outcome). */
export function classBins(probs: readonly (readonly number[])[], targets: readonly number[], k: number, bins: number): BinSums {
  const s = emptyBins(bins);
  probs.forEach((p, i) => addToBins(s, p[k]!, targets[i] === k));
  return s;
}
