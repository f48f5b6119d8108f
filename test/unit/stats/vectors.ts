// The SciPy reference vectors (test/fixtures/stats/, copied from the shared data) and the tolerances
// their README sets: relative 1e-6 for statistics, 1e-4 relative for p-values below 1e-3, absolute 1e-9 otherwise.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

export const vectors = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../fixtures/stats/reference-vectors.json'), 'utf8'));

export function expectStatistic(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.max(1e-6 * Math.abs(expected), 1e-12));
}

export function expectPValue(actual: number, expected: number): void {
  if (expected < 1e-3) expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-4 * expected);
  else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9);
}
