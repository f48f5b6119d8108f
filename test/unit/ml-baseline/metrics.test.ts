import { describe, expect, it } from 'vitest';
import { brier, correct, demarginMultiplicative, logLoss, MetricAccumulator, outcomeOf, rps } from '../../../pipelines/_baseline-model/metrics.js';

describe('metrics', () => {
  it('RPS uses the ½ normalisation over cumulative H, H+D', () => {
    // p = (0.5, 0.3, 0.2), home win: cum diffs (0.5−1, 0.8−1) → ½(0.25 + 0.04) = 0.145
    expect(rps([0.5, 0.3, 0.2], 0)).toBeCloseTo(0.145, 12);
    // draw: (0.5−0, 0.8−1) → ½(0.25 + 0.04) = 0.145; away: (0.5, 0.8) → ½(0.25 + 0.64) = 0.445
    expect(rps([0.5, 0.3, 0.2], 1)).toBeCloseTo(0.145, 12);
    expect(rps([0.5, 0.3, 0.2], 2)).toBeCloseTo(0.445, 12);
    expect(rps([1, 0, 0], 0)).toBe(0);
    expect(rps([1, 0, 0], 2)).toBe(1); // the worst possible forecast scores 1, not 2
    // Constantinou & Fenton's ordering argument: (0.6, 0.3, 0.1) beats (0.6, 0.1, 0.3) on a draw.
    expect(rps([0.6, 0.3, 0.1], 1)).toBeLessThan(rps([0.6, 0.1, 0.3], 1));
  });

  it('log loss is −ln p(outcome), floored to stay finite', () => {
    expect(logLoss([0.5, 0.3, 0.2], 1)).toBeCloseTo(-Math.log(0.3), 12);
    expect(logLoss([1, 0, 0], 2)).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it('Brier sums over the three outcomes', () => {
    // home win: 0.25 + 0.09 + 0.04 = 0.38
    expect(brier([0.5, 0.3, 0.2], 0)).toBeCloseTo(0.38, 12);
    expect(brier([0, 0, 1], 0)).toBe(2);
  });

  it('accuracy takes the argmax, ties to the earlier outcome', () => {
    expect(correct([0.5, 0.3, 0.2], 0)).toBe(1);
    expect(correct([0.2, 0.3, 0.5], 0)).toBe(0);
    expect(correct([0.4, 0.4, 0.2], 0)).toBe(1);
    expect(correct([0.4, 0.4, 0.2], 1)).toBe(0);
  });

  it('outcomeOf orders H, D, A', () => {
    expect([outcomeOf(2, 1), outcomeOf(1, 1), outcomeOf(0, 3)]).toEqual([0, 1, 2]);
  });

  it('multiplicative de-margining normalises implied probabilities', () => {
    const p = demarginMultiplicative([2.0, 3.5, 4.0]);
    const inv = [0.5, 1 / 3.5, 0.25], s = inv[0]! + inv[1]! + inv[2]!;
    p.forEach((x, i) => expect(x).toBeCloseTo(inv[i]! / s, 12));
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
  });

  it('the accumulator averages every metric', () => {
    const acc = new MetricAccumulator();
    acc.add([0.5, 0.3, 0.2], 0);
    acc.add([0.5, 0.3, 0.2], 2);
    const s = acc.summary();
    expect(s.n).toBe(2);
    expect(s.rps).toBeCloseTo((0.145 + 0.445) / 2, 12);
    expect(s.logLoss).toBeCloseTo((-Math.log(0.5) - Math.log(0.2)) / 2, 12);
    expect(s.brier).toBeCloseTo((0.38 + (0.25 + 0.09 + 0.64)) / 2, 12);
    expect(s.accuracy).toBe(0.5);
  });
});
