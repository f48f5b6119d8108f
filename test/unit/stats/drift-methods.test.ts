// Which drift method runs for which data (statistics.md §1.5), the correction across features, PSI
// severity, and "insufficient data" below the minimum sample.
import { beforeAll, describe, expect, it } from 'vitest';
import { distReady, normalQuantile } from '../../../pipelines/_stats/dist.js';
import { checkFeatures, type DriftThresholds } from '../../../pipelines/_stats/drift/methods.js';

beforeAll(distReady);
const t: DriftThresholds = { minSample: 30, largeSample: 1000, alpha: 0.05, criticalP: 0.001, correction: 'bh', psiWarn: 0.1, psiCritical: 0.25, distanceWarn: 0.1, distanceCritical: 0.2 };
const normals = (n: number, mean: number, sd = 1) => Float64Array.from({ length: n }, (_, i) => mean + sd * normalQuantile((i + 0.5) / n));
const cats = (counts: number[]) => Float64Array.from(counts.flatMap((c, k) => Array(c).fill(k)));

describe('drift methods', () => {
  it('small numerical samples: exact KS; large ones: normed Wasserstein; PSI always', () => {
    const [small, large, same] = checkFeatures([
      { name: 'small', kind: 'numerical', reference: normals(200, 0), current: normals(150, 0.6) },
      { name: 'large', kind: 'numerical', reference: normals(2000, 0), current: normals(1500, 0.3) },
      { name: 'same', kind: 'numerical', reference: normals(200, 0), current: normals(150, 0) },
    ], t);
    expect(small).toMatchObject({ method: 'ks', type: 'numerical', status: 'drift', severity: 'critical' });
    expect(small!.details.ksMethod).toBe('exact');
    expect(large).toMatchObject({ method: 'wasserstein_normed', pValue: null, status: 'drift', severity: 'critical' });
    expect(large!.statistic).toBeCloseTo(0.3, 2);
    expect(same).toMatchObject({ status: 'ok', severity: 'none' });
    expect(same!.psi).toBeLessThan(0.1);
  });

  it('categories: chi-square with sparse ones merged (small), JS distance (large), z-test for two', () => {
    const [chi, js, z] = checkFeatures([
      { name: 'outcome', kind: 'categorical', reference: cats([120, 80, 95, 3]), current: cats([60, 70, 20, 1]) },
      { name: 'outcome-large', kind: 'categorical', reference: cats([900, 600, 700]), current: cats([300, 500, 200]) },
      { name: 'flag', kind: 'categorical', reference: cats([150, 50]), current: cats([100, 100]) },
    ], t);
    expect(chi).toMatchObject({ method: 'chi_square', type: 'categorical', status: 'drift' });
    expect(chi!.details.merged).toBeTruthy();
    expect(js).toMatchObject({ method: 'jensen_shannon', status: 'drift' });
    expect(z).toMatchObject({ method: 'z_test', type: 'binary', status: 'drift' });
  });

  it('below the minimum sample: insufficient data, no verdict', () => {
    const [r] = checkFeatures([{ name: 'x', kind: 'numerical', reference: normals(200, 0), current: normals(10, 5) }], t);
    expect(r).toMatchObject({ status: 'insufficient_data', severity: 'none', statistic: null });
  });

  it('the correction across features can turn a lone p < α into no drift', () => {
    // One borderline feature among many quiet ones: raw p < 0.05, adjusted (BH) above.
    const features = [{ name: 'edge', kind: 'numerical' as const, reference: normals(300, 0), current: normals(300, 0.3) }];
    for (let i = 0; i < 9; i++) features.push({ name: `q${i}`, kind: 'numerical', reference: normals(300, 0), current: normals(300, 0) });
    const none = checkFeatures(features, { ...t, psiWarn: 10, psiCritical: 20, correction: 'none' })[0]!;
    const bh = checkFeatures(features, { ...t, psiWarn: 10, psiCritical: 20 })[0]!;
    expect(none.pValue!).toBeLessThan(0.05);
    expect(none.status).toBe('drift');
    expect(bh.adjustedP!).toBeGreaterThan(0.05);
    expect(bh.status).toBe('ok');
  });
});
