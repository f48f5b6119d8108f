// Corrections across the many features one drift check tests at once (alibi-detect's choices, §1.3):
// Bonferroni, Holm (step-down) and Benjamini–Hochberg (FDR). Each returns which hypotheses are rejected
// and the adjusted p-values, in the input's order; the raw p stays with its test.
export type Correction = 'none' | 'bonferroni' | 'holm' | 'bh';

export interface Corrected { adjusted: number[]; rejected: boolean[] }

export function correct(pValues: readonly number[], alpha: number, method: Correction): Corrected {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  if (method === 'none') pValues.forEach((p, i) => (adjusted[i] = p));
  else if (method === 'bonferroni') pValues.forEach((p, i) => (adjusted[i] = Math.min(1, p * m)));
  else if (method === 'holm') {
    let run = 0;
    order.forEach(({ p, i }, k) => { run = Math.max(run, Math.min(1, (m - k) * p)); adjusted[i] = run; });
  } else {
    let run = 1;
    for (let k = m - 1; k >= 0; k--) { const { p, i } = order[k]!; run = Math.min(run, (p * m) / (k + 1)); adjusted[i] = Math.min(1, run); }
  }
  return { adjusted, rejected: adjusted.map((p) => p < alpha) };
}
