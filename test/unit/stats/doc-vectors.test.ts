// The worked values of statistics.md §5 that the SciPy file does not cover: KS asymptotics, Evidently's
// chi-square and PSI, torchmetrics' calibration errors, GrowthBook's frequentist, sequential and Bayesian
// results, the mSPRT table, the scoring-rule examples; and the bad inputs each function must refuse.
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrationErrors, classBins, reliability, topLabelBins } from '../../../pipelines/_stats/calibration.js';
import { distReady } from '../../../pipelines/_stats/dist.js';
import { bayesian, effect, fixedHorizon } from '../../../pipelines/_stats/effects.js';
import { jensenShannon, psiFromCounts } from '../../../pipelines/_stats/distance.js';
import { ks2samp } from '../../../pipelines/_stats/ks.js';
import { correct } from '../../../pipelines/_stats/multitest.js';
import { invalidForecast, summarise, type Outcome3, type Probs3 } from '../../../pipelines/_stats/scores.js';
import { growthbookRho, msprt, normalMixture } from '../../../pipelines/_stats/sequential.js';
import { chiSquareContingency, chiSquareGof, mergeSparse, momentsFromSums, srmCheck } from '../../../pipelines/_stats/tests.js';

beforeAll(distReady);
const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const prop = (x: number, n: number) => { const m = x / n; return { n, mean: m, variance: m * (1 - m) }; };

describe('KS (§5.1)', () => {
  it('small exact cases, and the asymptotic mode with Stephens\' correction on 100 vs 110', () => {
    expect(ks2samp([0], [1])).toMatchObject({ statistic: 1, pValue: 1 });
    expect(ks2samp([0.99, 1.99], [1, 2, 3, 4]).pValue).toBeCloseTo(0.4, 12);
    expect(ks2samp([1.01, 2.01], [1, 2, 3, 4]).pValue).toBeCloseTo(14 / 15, 12);
    const x = linspace(1, 100, 100), y = linspace(1, 100, 110).map((v) => v + 20.1);
    const exact = ks2samp(x, y);
    expect(exact.statistic).toBeCloseTo(232 / 1100, 12);
    expect(exact.pValue).toBeCloseTo(0.015739183865607, 12);
    const asym = ks2samp(x, y, { method: 'asymptotic' });
    expect(asym.method).toBe('asymptotic');
    expect(asym.pValue).toBeCloseTo(0.015880, 5);
    const tiesA = [...Array(3).fill(2), ...Array(4).fill(3), ...Array(10).fill(5), ...Array(4).fill(6)];
    const tiesB = [...Array(10).fill(3), ...Array(2).fill(4), ...Array(10).fill(6), ...Array(4).fill(7)];
    expect(ks2samp(tiesA, tiesB).statistic).toBeCloseTo(190 / 546, 12);
    expect(ks2samp(tiesA, tiesB).pValue).toBeCloseTo(0.0919245790168125, 10);
  });

  it('refuses an empty sample', () => {
    expect(() => ks2samp([], [1, 2])).toThrow(/non-empty/);
  });
});

describe('chi-square, PSI, JS (§5.2)', () => {
  it('Evidently goodness of fit: χ² 3.1746032, p 0.67309; the same p with doubled reference counts', () => {
    const ref = [16, 18, 16, 14, 12, 12], cur = [16, 16, 16, 16, 16, 8];
    const exp = (r: number[]) => r.map((v) => (v * 88) / r.reduce((s, x) => s + x, 0));
    const r = chiSquareGof(cur, exp(ref));
    expect(r.statistic).toBeCloseTo(3.1746032, 6);
    expect(r.pValue).toBeCloseTo(0.67309, 5);
    expect(chiSquareGof(cur, exp(ref.map((v) => 2 * v))).pValue).toBeCloseTo(r.pValue, 12);
    expect(jensenShannon(ref, cur, 'e')).toBeCloseTo(0.0680482, 6);
    expect(jensenShannon(ref, cur, 2)).toBeCloseTo(0.0817342, 6);
  });

  it('PSI with the 1e-4 share for an empty category: 2.934', () => {
    expect(psiFromCounts([0, 2, 1], [1, 1, 1])).toBeCloseTo(2.934, 3);
  });

  it('sparse categories are merged into "other" before the contingency test', () => {
    const m = mergeSparse(['H', 'D', 'A', 'X'], [50, 40, 5, 1], [45, 44, 3, 2]);
    expect(m.categories).toContain('other');
    expect(m.merged.sort()).toEqual(['A', 'X']);
    expect(m.reference.reduce((s, v) => s + v, 0)).toBe(96);
    expect(m.categories).toHaveLength(3);
    const r = chiSquareContingency(m.reference, m.current);
    expect(r.df).toBe(m.categories.length - 1);
    expect(r.pValue).toBeGreaterThan(0.05);
  });
});

describe('SRM (§5.3)', () => {
  it('GrowthBook check_srm values, and no verdict under 8 units per arm', () => {
    expect(srmCheck([500, 600], [0.5, 0.5]).pValue).toBeCloseTo(0.0025688315, 9);
    expect(srmCheck([500, 600], [0.5, 0.5]).status).toBe('healthy');
    const big = srmCheck([821_588, 815_482], [0.5, 0.5]);
    expect(big.statistic).toBeCloseTo(22.774, 3);
    expect(big.pValue / 1.8218e-6).toBeCloseTo(1, 3);
    expect(big.status).toBe('mismatch');
    expect(srmCheck([3300, 3400, 3500], [1, 1, 1]).pValue).toBeCloseTo(0.0528036, 7);
    expect(srmCheck([3, 10], [0.5, 0.5]).status).toBe('not-enough-traffic');
  });
});

describe('GrowthBook (§5.4)', () => {
  const A = momentsFromSums(3407, 1396.87, 52377.9767), B = momentsFromSums(3461, 2422.7, 134698.29);
  it('two-sided t, relative and absolute', () => {
    const rel = effect(A, B, true), fr = fixedHorizon(rel);
    expect(rel.delta).toBeCloseTo(0.70732, 5);
    expect(rel.se).toBeCloseTo(0.37879, 5);
    expect(rel.df).toBeCloseTo(5841.742, 3);
    expect([fr.lower, fr.upper, fr.pValue].map((v) => +v.toFixed(5))).toEqual([-0.03526, 1.44989, 0.06191]);
    const abs = effect(A, B, false), fa = fixedHorizon(abs);
    expect(abs.delta).toBeCloseTo(0.29, 5);
    expect(abs.se).toBeCloseTo(0.12478, 5);
    expect([fa.lower, fa.upper, fa.pValue].map((v) => +v.toFixed(5))).toEqual([0.04538, 0.53462, 0.02016]);
    const p = fixedHorizon(effect(prop(14, 28), prop(16, 30), true));
    expect([p.lower, p.upper, p.pValue].map((v) => +v.toFixed(5))).toEqual([-0.47767, 0.61101, 0.80707]);
  });

  it('sequential confidence sequences (ρ from α and N*)', () => {
    expect(growthbookRho(0.05, 5000)).toBeCloseTo(0.0398400668, 10);
    expect(growthbookRho(0.05, 1000)).toBeCloseTo(0.0890850975, 10);
    const A2 = momentsFromSums(3000, 1396.87, 52377.9767);
    const e = effect(A2, B, true);
    const s = normalMixture(e.delta, e.se, A2.n + B.n, growthbookRho(0.05, 1000));
    expect([e.delta, e.se, s.lower, s.upper].map((v) => +v.toFixed(5))).toEqual([0.50336, 0.33341, -0.55844, 1.56516]);
    expect(s.pValue).toBe(1);
    const e2 = effect(prop(1396, 3000), prop(2422, 3461), true);
    const s2 = normalMixture(e2.delta, e2.se, 6461, growthbookRho(0.05, 5000));
    expect([e2.delta, e2.se, s2.lower, s2.upper].map((v) => +v.toFixed(5))).toEqual([0.50386, 0.03386, 0.40098, 0.60675]);
    expect(s2.pValue / 5.17e-44).toBeCloseTo(1, 2);
  });

  it('Bayesian chance to win and risk, flat and proper prior', () => {
    const b1 = bayesian(effect(prop(49, 100), prop(51, 100), true));
    expect([b1.mean, b1.sd, b1.lower, b1.upper, b1.chanceToWin].map((v) => +v.toFixed(5))).toEqual([0.04082, 0.14725, -0.24779, 0.32943, 0.60918]);
    expect(b1.risk.map((v) => +v.toFixed(5))).toEqual([0.0814, 0.04058]);
    const A3 = momentsFromSums(10, 100, 1002.25), B3 = momentsFromSums(10, 105, 1111.5);
    const b2 = bayesian(effect(A3, B3, true));
    expect([b2.mean, b2.sd, b2.lower, b2.upper, b2.chanceToWin].map((v) => +v.toFixed(5))).toEqual([0.05, 0.03572, -0.02, 0.12, 0.91923]);
    expect(b2.risk.map((v) => +v.toFixed(5))).toEqual([0.05131, 0.00131]);
    const b3 = bayesian(effect(A3, B3, true), { prior: { mean: 0.1, variance: 0.1 } });
    expect([b3.mean, b3.sd, b3.lower, b3.upper, b3.chanceToWin].map((v) => +v.toFixed(5))).toEqual([0.05063, 0.03549, -0.01893, 0.12019, 0.92315]);
    expect(b3.risk.map((v) => +v.toFixed(5))).toEqual([0.05186, 0.00123]);
    // For a loss (lower is better) the chance to win is P(Δ < 0).
    expect(bayesian(effect(A3, B3, true), { inverse: true }).chanceToWin).toBeCloseTo(1 - b2.chanceToWin, 12);
  });

  it('uninformative without variance or with n < 2', () => {
    const e = effect({ n: 10, mean: 1, variance: 0 }, { n: 10, mean: 2, variance: 1 }, false);
    expect(e.informative).toBe(false);
    expect(fixedHorizon(e).pValue).toBe(1);
    expect(bayesian(e).chanceToWin).toBe(0.5);
  });
});

describe('mSPRT (§5.6)', () => {
  it('Λ for two normal streams (V = 2σ², σ² = 1, τ² = 0.01)', () => {
    expect(msprt(0.1, 2, 1000, 0.01).lambda).toBeCloseTo(3.2787216, 6);
    expect(msprt(0.1, 2, 1000, 0.01).pValue).toBeCloseTo(0.3049969, 6);
    expect(msprt(0.05, 2, 1000, 0.01).lambda).toBeCloseTo(0.6872574, 6);
    expect(msprt(0.05, 2, 1000, 0.01).pValue).toBe(1);
    expect(msprt(0.05, 2, 5000, 0.01).lambda).toBeCloseTo(3.9580814, 6);
  });
});

describe('multiple-test correction', () => {
  it('Bonferroni, Holm and Benjamini–Hochberg (statsmodels multipletests values)', () => {
    const p = [0.01, 0.04, 0.03, 0.005];
    expect(correct(p, 0.05, 'bonferroni').adjusted).toEqual([0.04, 0.16, 0.12, 0.02]);
    expect(correct(p, 0.05, 'holm').adjusted.map((v) => +v.toFixed(10))).toEqual([0.03, 0.06, 0.06, 0.02]);
    expect(correct(p, 0.05, 'bh').adjusted.map((v) => +v.toFixed(10))).toEqual([0.02, 0.04, 0.04, 0.02]);
    expect(correct(p, 0.05, 'bh').rejected).toEqual([true, true, true, true]);
    expect(correct(p, 0.05, 'bonferroni').rejected).toEqual([true, false, false, true]);
  });
});

describe('scores (§5.7) and calibration (§5.8)', () => {
  const cf: Array<[Probs3, Outcome3]> = [
    [[1, 0, 0], 0], [[0.9, 0.1, 0], 0], [[0.8, 0.1, 0.1], 0], [[0.5, 0.25, 0.25], 0], [[0.35, 0.3, 0.35], 1],
    [[0.6, 0.3, 0.1], 1], [[0.6, 0.25, 0.15], 0], [[0.6, 0.15, 0.25], 0], [[0.57, 0.33, 0.1], 0], [[0.6, 0.2, 0.2], 0],
  ];
  it('Constantinou & Fenton\'s ten matches', () => {
    const s = summarise(cf.map((c) => c[0]), cf.map((c) => c[1]));
    expect(s.brier).toBeCloseTo(0.30838, 5);
    expect(s.rps).toBeCloseTo(0.08937, 5);
    expect(s.logLoss).toBeCloseTo(0.5524193, 6);
    expect(s.accuracy).toBe(0.8);
  });

  it('torchmetrics multiclass and binary ECE / RMSCE / MCE', () => {
    const preds = [[0.25, 0.2, 0.55], [0.55, 0.05, 0.4], [0.1, 0.3, 0.6], [0.9, 0.05, 0.05]];
    const e = calibrationErrors(topLabelBins(preds, [0, 1, 2, 0], 3));
    expect([e.ece, e.rmsce, e.mce].map((v) => +v.toFixed(4))).toEqual([0.2, 0.2082, 0.2333]);
    const bin = [0.25, 0.25, 0.55, 0.75, 0.75].map((p) => [1 - p, p]);
    // Binary calibration bins the positive class's probability (one-vs-rest), not the top label.
    const b = calibrationErrors(classBins(bin, [0, 0, 1, 1, 1], 1, 2));
    expect([b.ece, b.rmsce, b.mce].map((v) => +v.toFixed(4))).toEqual([0.29, 0.2918, 0.3167]);
  });

  it('a reliability table of one class keeps empty bins; an empty window gives no ECE; a single class is fine', () => {
    const t = reliability(classBins([[0.05, 0.9, 0.05], [0.15, 0.8, 0.05]], [1, 1], 1, 10));
    expect(t).toHaveLength(10);
    // Right-closed bins: 0.8 is in (0.7, 0.8], 0.9 in (0.8, 0.9].
    expect(t[7]).toMatchObject({ n: 1, confidence: 0.8, frequency: 1 });
    expect(t[8]).toMatchObject({ n: 1, confidence: 0.9, frequency: 1 });
    expect(t[0]).toMatchObject({ n: 0, confidence: null, frequency: null });
    expect(calibrationErrors(classBins([], [], 0, 10)).n).toBe(0);
    expect(Number.isNaN(calibrationErrors(classBins([], [], 0, 10)).ece)).toBe(true);
  });

  it('refuses NaN, out-of-range and non-normalised forecasts', () => {
    expect(invalidForecast([0.5, 0.3, 0.2])).toBeNull();
    expect(invalidForecast([NaN, 0.5, 0.5])).toMatch(/NaN/);
    expect(invalidForecast([1.2, -0.1, -0.1])).toMatch(/outside/);
    expect(invalidForecast([0.5, 0.5, 0.5])).toMatch(/sum/);
  });
});
