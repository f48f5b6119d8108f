import { describe, expect, it } from 'vitest';
import { blendProbs, fitBlendWeights } from '../../../pipelines/_baseline-model/blend.js';
import { shrunkBlendWeights } from '../../../pipelines/_baseline-model/tune.js';
import { meanRps, type Outcome, type Probs3 } from '../../../pipelines/_baseline-model/metrics.js';
import { mulberry32 } from './synthetic.js';

function world(n: number, seed: number) {
  const rnd = mulberry32(seed);
  const truth: Probs3[] = [], noisy: Probs3[] = [], noisy2: Probs3[] = [], useless: Probs3[] = [], outcomes: Outcome[] = [];
  const jitter = (p: Probs3): Probs3 => {
    const q = p.map((x) => x * Math.exp((rnd() - 0.5) * 0.8));
    const s = q[0]! + q[1]! + q[2]!;
    return [q[0]! / s, q[1]! / s, q[2]! / s];
  };
  for (let i = 0; i < n; i++) {
    const h = 0.2 + 0.6 * rnd(), d = Math.min(0.3, 1 - h) * (0.6 + 0.4 * rnd());
    const p: Probs3 = [h, d, 1 - h - d];
    const u = rnd();
    truth.push(p); noisy.push(jitter(p)); noisy2.push(jitter(p));
    useless.push([0.45, 0.26, 0.29]); // base rates only: carries no match information
    outcomes.push(u < p[0] ? 0 : u < p[0] + p[1] ? 1 : 2);
  }
  return { truth, noisy, noisy2, useless, outcomes };
}

describe('blend weights', () => {
  it('give (near) zero weight to a useless component', () => {
    const w = world(6000, 1);
    const fitted = fitBlendWeights([w.truth, w.useless], w.outcomes);
    expect(fitted[1]!).toBeLessThan(0.08);
    const shrunk = shrunkBlendWeights([w.truth, w.useless], w.outcomes);
    expect(shrunk[1]!).toBeLessThan(0.1);
    expect(shrunk[0]! + shrunk[1]!).toBeCloseTo(1, 12);
  });

  it('split two equally good, independently noisy components about evenly', () => {
    const w = world(6000, 2);
    const fitted = shrunkBlendWeights([w.noisy, w.noisy2, w.useless], w.outcomes);
    expect(fitted[0]!).toBeGreaterThan(0.3);
    expect(fitted[1]!).toBeGreaterThan(0.3);
    expect(fitted[2]!).toBeLessThan(0.15);
    // The pool beats each component: the point of blending.
    const pooled = w.noisy.map((_, i) => blendProbs([w.noisy[i]!, w.noisy2[i]!, w.useless[i]!], fitted));
    expect(meanRps(pooled, w.outcomes)).toBeLessThan(Math.min(meanRps(w.noisy, w.outcomes), meanRps(w.noisy2, w.outcomes)));
  });

  it('match a brute-force grid search of the validation RPS', () => {
    const w = world(2000, 3);
    const comps = [w.noisy, w.noisy2, w.useless];
    const exact = fitBlendWeights(comps, w.outcomes);
    const score = (ws: number[]): number => meanRps(w.noisy.map((_, i) => blendProbs(comps.map((c) => c[i]!), ws)), w.outcomes);
    let best = Infinity;
    for (let a = 0; a <= 50; a++) for (let b = 0; a + b <= 50; b++) best = Math.min(best, score([a / 50, b / 50, (50 - a - b) / 50]));
    expect(score(exact)).toBeLessThanOrEqual(best + 1e-12);
  });

  it('stay equal when the validation data cannot tell the components apart', () => {
    const w = world(300, 4);
    const shrunk = shrunkBlendWeights([w.noisy, w.noisy2], w.outcomes);
    expect(Math.abs(shrunk[0]! - 0.5)).toBeLessThan(0.2);
  });
});
