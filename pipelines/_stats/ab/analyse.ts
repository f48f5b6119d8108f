// The statistics of an A/B test from its per-match losses (lower is better for every metric; accuracy is
// scored as 1 − hit). Both arms predict every match, so the main analysis is paired on d = treatment −
// control: always-valid sequential interval and p-value (GrowthBook's confidence sequence, the mSPRT
// boundary; one routine), the fixed-horizon paired t beside it, Bayesian chance to beat control and
// expected loss; Welch on the served arms (each match scored by the arm it was served from); and the
// sample-ratio-mismatch check of the served arms against the split.
import { bayesian, type Effect } from '../effects.js';
import { growthbookRho, normalMixture } from '../sequential.js';
import { momentsFromSums, oneSampleT, srmCheck, welchT } from '../tests.js';

export interface ArmSums { n: number; sum: number; sumSq: number }

export interface AbSums {
  /** Paired differences d = treatment − control over every match. */
  paired: ArmSums;
  /** Each arm's own loss on the matches served from it. */
  servedControl: ArmSums;
  servedTreatment: ArmSums;
  /** Mean losses of both versions over every match. */
  controlMean: number;
  treatmentMean: number;
}

export interface AbSettings { split: number; alpha: number; nStar: number; minSample: number; srmP: number }

export interface AbAnalysis {
  n: number;
  controlLoss: number;
  treatmentLoss: number;
  paired: { delta: number; se: number; sequential: { lower: number; upper: number; pValue: number }; fixedHorizon: { pValue: number; t: number; df: number } };
  served: { control: number; treatment: number; welch: { delta: number; pValue: number; df: number } | null };
  bayesian: { chanceToBeatControl: number; expectedLoss: { control: number; treatment: number } };
  srm: { status: string; pValue: number; observed: [number, number] };
  healthy: boolean;
  /** What the analysis supports now: a winner (sequential p < α, minimum sample reached), or keep going. */
  verdict: 'treatment' | 'control' | 'continue' | 'unhealthy';
}

export function analyse(s: AbSums, o: AbSettings, runningP = 1): AbAnalysis {
  const pm = momentsFromSums(s.paired.n, s.paired.sum, s.paired.sumSq);
  const informative = pm.n >= 2 && pm.variance > 0;
  const se = informative ? Math.sqrt(pm.variance / pm.n) : 0;
  const seq = informative ? normalMixture(pm.mean, se, pm.n, growthbookRho(o.alpha, o.nStar), o.alpha) : { lower: -Infinity, upper: Infinity, pValue: 1 };
  const t = informative ? oneSampleT(pm) : { pValue: 1, statistic: NaN, df: NaN };
  const effect: Effect = { delta: pm.mean, se, df: pm.n - 1, informative };
  // Lower loss is better: the treatment "wins" when d < 0.
  const b = bayesian(effect, { inverse: true, alpha: o.alpha });
  const c = momentsFromSums(s.servedControl.n, s.servedControl.sum, s.servedControl.sumSq);
  const tr = momentsFromSums(s.servedTreatment.n, s.servedTreatment.sum, s.servedTreatment.sumSq);
  const welch = c.n >= 2 && tr.n >= 2 && c.variance + tr.variance > 0 ? welchT(tr, c) : null;
  const srm = srmCheck([s.servedControl.n, s.servedTreatment.n], [1 - o.split, o.split], o.srmP);
  const healthy = srm.status !== 'mismatch';
  // Looks start at the minimum sample: before it the plug-in variance is too noisy to let a small p carry
  // forward in the running minimum (the always-valid guarantee assumes the variance is known).
  const p = pm.n >= o.minSample ? Math.min(runningP, seq.pValue) : 1;
  const verdict = !healthy ? 'unhealthy' : pm.n >= o.minSample && p < o.alpha ? (pm.mean < 0 ? 'treatment' : 'control') : 'continue';
  return {
    n: pm.n, controlLoss: s.controlMean, treatmentLoss: s.treatmentMean,
    paired: { delta: pm.mean, se, sequential: { lower: seq.lower, upper: seq.upper, pValue: p }, fixedHorizon: { pValue: t.pValue, t: t.statistic, df: t.df } },
    served: { control: c.mean, treatment: tr.mean, welch: welch && { delta: welch.delta, pValue: welch.pValue, df: welch.df } },
    // bayesian's risk pair is (choose control, choose treatment) in the "bigger is better" direction it flips to.
    bayesian: { chanceToBeatControl: b.chanceToWin, expectedLoss: { control: b.risk[0], treatment: b.risk[1] } },
    srm: { status: srm.status, pValue: srm.pValue, observed: [s.servedControl.n, s.servedTreatment.n] },
    healthy,
    verdict,
  };
}

/** Running sums of a list of per-match losses (for simulations and tests). */
export function sumsOf(rows: ReadonlyArray<{ arm: 'control' | 'treatment'; control: number; treatment: number }>): AbSums {
  const z = (): ArmSums => ({ n: 0, sum: 0, sumSq: 0 });
  const s: AbSums = { paired: z(), servedControl: z(), servedTreatment: z(), controlMean: 0, treatmentMean: 0 };
  for (const r of rows) {
    const d = r.treatment - r.control;
    s.paired.n++; s.paired.sum += d; s.paired.sumSq += d * d;
    const served = r.arm === 'control' ? s.servedControl : s.servedTreatment;
    const x = r.arm === 'control' ? r.control : r.treatment;
    served.n++; served.sum += x; served.sumSq += x * x;
    s.controlMean += r.control; s.treatmentMean += r.treatment;
  }
  if (rows.length) { s.controlMean /= rows.length; s.treatmentMean /= rows.length; }
  return s;
}
