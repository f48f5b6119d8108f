import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateLeague, walkForward } from '../../../pipelines/_baseline-model/walk-forward.js';
import type { ResultRow } from '../../../pipelines/_baseline-model/model.js';
import { simulateLeague } from './synthetic.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/football');

describe('walk-forward', () => {
  const lg = simulateLeague({ teams: 12, seasons: 4, seed: 8 });
  const from = new Date(Date.UTC(2017, 7, 1));
  // A short validation window so that the inner tuning runs (and is covered by the leakage checks).
  const fit = { validationDays: 365 };

  it('never fits on matches on or after the forecast date', () => {
    const trained: Array<[Date, string]> = [];
    const out = walkForward(lg.rows, { from, fit, onFit: (asOf, model) => trained.push([asOf, model.trainedTo]) });
    expect(out.length).toBe(lg.rows.filter((r) => r.date >= from).length);
    for (const f of out) {
      expect(f.fitAsOf.getTime()).toBeLessThanOrEqual(f.match.date.getTime());
      expect(f.match.date.getTime() - f.fitAsOf.getTime()).toBeLessThan(7 * 86_400_000);
    }
    for (const [asOf, trainedTo] of trained) expect(new Date(trainedTo).getTime()).toBeLessThan(asOf.getTime());
    expect(trained.length).toBeGreaterThan(20);
  });

  it('forecasts do not change when later results change (leakage check)', () => {
    const cut = new Date(Date.UTC(2018, 1, 1));
    const tampered: ResultRow[] = lg.rows.map((r) => (r.date >= cut ? { ...r, homeGoals: r.awayGoals + 5, awayGoals: 0 } : r));
    const a = walkForward(lg.rows, { from, fit });
    const b = walkForward(tampered, { from, fit });
    expect(b).toHaveLength(a.length);
    let compared = 0, changedAfter = 0;
    a.forEach((fa, i) => {
      const fb = b[i]!;
      if (fa.fitAsOf <= cut) { expect(fb.prediction).toEqual(fa.prediction); compared++; }
      else if (JSON.stringify(fb.prediction) !== JSON.stringify(fa.prediction)) changedAfter++;
    });
    expect(compared).toBeGreaterThan(100);
    expect(changedAfter).toBeGreaterThan(100); // the tampering is visible once it is in the past
  });

  it('scores a real season in a plausible range (first season as burn-in)', () => {
    const r = evaluateLeague({ data: FIXTURES, league: 'E0' });
    expect(r.burnIn).toBe('2022-23');
    expect(r.n).toBe(380);
    expect(r.scoredFrom).toBe('2023-08-11');
    // One season of history is little; the reference Dixon-Coles scored 0.1887 on 2023-24, Pinnacle 0.1808.
    expect(r.pinnacle.rps).toBeCloseTo(0.1808, 3);
    expect(r.baseline.rps).toBeGreaterThan(0.17);
    expect(r.baseline.rps).toBeLessThan(0.21);
    expect(r.baseline.accuracy).toBeGreaterThan(0.45);
    expect(r.components.dc.n).toBe(380);
  });
});
