import { describe, expect, it } from 'vitest';
import { dcScoreMatrix, fitDixonColes, MAX_GOALS, outcomeProbs } from '../../../pipelines/_baseline-model/dixon-coles.js';
import { simulateLeague } from './synthetic.js';

describe('Dixon-Coles', () => {
  it('score matrix is a distribution and ρ < 0 moves mass from 1-0/0-1 to 0-0/1-1', () => {
    const base = dcScoreMatrix(1.5, 1.1, 0);
    const dc = dcScoreMatrix(1.5, 1.1, -0.1);
    const N = MAX_GOALS + 1;
    expect(dc.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(dc[0]!).toBeGreaterThan(base[0]!);
    expect(dc[N + 1]!).toBeGreaterThan(base[N + 1]!);
    expect(dc[1]!).toBeLessThan(base[1]!);
    const [h, d, a] = outcomeProbs(dc);
    expect(h + d + a).toBeCloseTo(1, 12);
    expect(h).toBeGreaterThan(a);
  });

  it('recovers known strengths, home advantage and ρ from a simulated league', () => {
    const lg = simulateLeague({ teams: 20, seasons: 8, seed: 7, rho: -0.1 });
    const asOf = new Date(lg.rows[lg.rows.length - 1]!.date.getTime() + 86_400_000);
    // No decay and a negligible ridge: the plain maximum-likelihood fit.
    const fit = fitDixonColes(lg.rows, { xi: 0, asOf, ridge: 1e-6 });
    const idx = new Map(fit.teams.map((t, i) => [t, i]));
    const meanA = fit.attack.reduce((a, b) => a + b, 0) / fit.attack.length;
    const meanD = fit.defence.reduce((a, b) => a + b, 0) / fit.defence.length;
    const errors = lg.teams.flatMap((t, i) => {
      const j = idx.get(t)!;
      return [fit.attack[j]! - meanA - lg.attack[i]!, fit.defence[j]! - meanD - lg.defence[i]!];
    });
    // Each parameter rests on ≈ 300 matches: standard error ≈ 0.05.
    const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
    expect(rmse).toBeLessThan(0.07);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.2);
    expect(fit.home).toBeGreaterThan(lg.home - 0.05);
    expect(fit.home).toBeLessThan(lg.home + 0.05);
    expect(fit.mu + meanA - meanD).toBeCloseTo(lg.mu, 1);
    expect(fit.rho).toBeGreaterThan(lg.rho - 0.06);
    expect(fit.rho).toBeLessThan(lg.rho + 0.06);
  });

  it('ridge prior pulls a team without data to its prior mean, and warm starts converge to the same fit', () => {
    const lg = simulateLeague({ teams: 10, seasons: 2, seed: 3 });
    const asOf = new Date(Date.UTC(2017, 6, 1));
    const cold = fitDixonColes(lg.rows, { xi: 0.002, asOf, ridge: 5 });
    const warm = fitDixonColes(lg.rows, { xi: 0.002, asOf, ridge: 5, warmStart: { ...cold, attack: cold.attack.map((x) => x + 0.3) } });
    cold.attack.forEach((x, i) => expect(warm.attack[i]!).toBeCloseTo(x, 4));
    expect(warm.rho).toBeCloseTo(cold.rho, 4);
    // Matches on or after asOf are ignored.
    const early = fitDixonColes(lg.rows, { xi: 0.002, asOf: lg.rows[0]!.date, ridge: 5 });
    expect(early.teams).toHaveLength(0);
  });

  it('fits ≈ 1,900 matches quickly', () => {
    const lg = simulateLeague({ teams: 20, seasons: 5, seed: 11 });
    const asOf = new Date(Date.UTC(2020, 6, 1));
    fitDixonColes(lg.rows, { xi: 0.0018, asOf, ridge: 5 });
    const t = performance.now();
    for (let i = 0; i < 3; i++) fitDixonColes(lg.rows, { xi: 0.0018, asOf, ridge: 5 });
    expect((performance.now() - t) / 3).toBeLessThan(100); // typically ≈ 1 ms
  });
});
