// The A/B stopping rule over a test's matches in kick-off order: no verdict before the minimum sample,
// a winner at the first look where the sequential p < α, "no difference" once the maximum duration passed.
import { beforeAll, describe, expect, it } from 'vitest';
import { replay, type AbTestRow } from '../../../pipelines/_stats/ab/evaluate.js';
import { distReady } from '../../../pipelines/_stats/dist.js';

beforeAll(distReady);
const DAY = 86_400_000;
const start = new Date('2026-01-01T00:00:00Z');
const test = (o: Partial<AbTestRow> = {}) => ({ id: 1, split: 0.5, alpha: 0.05, n_star: 1000, min_sample: 100, max_duration_days: 30, started_at: start, ...o }) as AbTestRow;
const rows = (n: number, d: (i: number) => number, perDay = 10) => Array.from({ length: n }, (_, i) => ({
  arm: i % 2 ? 'treatment' : 'control', kickoff: new Date(start.getTime() + (i / perDay) * DAY), control_loss: 0.2 + (i % 5) * 0.01, treatment_loss: 0.2 + (i % 5) * 0.01 + d(i),
}));

describe('A/B replay', () => {
  it('a clearly better treatment wins at the first look past the minimum sample where p < α', () => {
    const r = replay(test(), rows(250, (i) => -0.05 + (i % 3) * 0.01), new Date(start.getTime() + 10 * DAY), 0.001);
    expect(r.verdict).toBe('treatment');
    expect(r.analysis.n).toBe(100);
    expect(r.analysis.paired.sequential.pValue).toBeLessThan(0.05);
  });

  it('keeps going below the minimum sample, then concludes "no difference" at the maximum duration', () => {
    const few = replay(test({ min_sample: 500 }), rows(250, (i) => -0.05 + (i % 3) * 0.01), new Date(start.getTime() + 10 * DAY), 0.001);
    expect(few.verdict).toBe('continue');
    const noise = (i: number) => ((i * 7919) % 13 - 6) / 1000;
    const late = replay(test({ max_duration_days: 20 }), rows(250, noise), new Date(start.getTime() + 40 * DAY), 0.001);
    expect(late.verdict).toBe('no_difference');
    expect(late.analysis.n).toBe(200);
    expect(late.at?.toISOString()).toBe(new Date(start.getTime() + 20 * DAY).toISOString());
  });
});
