import { describe, expect, it } from 'vitest';
import { BASELINE_MODEL_NAME, fitBaseline, predictBaseline, predictBaselineDetailed, type BaselineModelJson, type Fixture } from '../../../pipelines/_baseline-model/model.js';
import { COMPONENTS, ELO_K_GRID, KF_DRIFT_GRID, PI_LAMBDA_GRID, XI_GRID } from '../../../pipelines/_baseline-model/tune.js';
import { simulateLeague } from './synthetic.js';

const lg = simulateLeague({ teams: 20, seasons: 5, seed: 21 });
const asOf = new Date(Date.UTC(2020, 6, 1));
const fitStarted = performance.now();
const model = fitBaseline(lg.rows, { asOf, now: new Date(0) });
const fitMs = performance.now() - fitStarted;
const strongest = lg.teams[19]!, weakest = lg.teams[0]!, middle = lg.teams[10]!;
const day = new Date(Date.UTC(2020, 7, 20));

describe('fitBaseline / predictBaseline', () => {
  it('produces a JSON-serialisable model that predicts identically after a round trip', () => {
    expect(BASELINE_MODEL_NAME).toBe('baseline-dc-elo');
    expect(model.nMatches).toBe(lg.rows.length);
    expect(model.trainedTo).toBe(lg.rows[lg.rows.length - 1]!.date.toISOString());
    expect(model.fittedAt).toBe('1970-01-01T00:00:00.000Z');
    const text = JSON.stringify(model);
    expect(text).not.toMatch(/NaN|Infinity/);
    const copy = JSON.parse(text) as BaselineModelJson;
    const fixtures: Fixture[] = [{ home: strongest, away: weakest, date: day }, { home: 'Newcomer FC', away: middle, date: day }];
    expect(predictBaseline(copy, fixtures)).toEqual(predictBaseline(model, fixtures));
  });

  it('chooses hyper-parameters and pool weights on validation data', () => {
    const t = model.params.leagues['']!.tuning;
    expect(t.validation).not.toBeNull();
    expect(t.validation!.n).toBeGreaterThan(700);
    expect(XI_GRID).toContain(t.hyper.xi);
    expect(ELO_K_GRID).toContain(t.hyper.eloK);
    expect(PI_LAMBDA_GRID).toContain(t.hyper.piLambda);
    expect(KF_DRIFT_GRID).toContain(t.hyper.kfDrift);
    const ws = COMPONENTS.map((c) => t.weights[c]);
    expect(ws.every((w) => w >= 0)).toBe(true);
    expect(ws.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('outputs probabilities that sum to 1, expected goals and a likely score', () => {
    const fixtures: Fixture[] = lg.teams.flatMap((h) => lg.teams.filter((a) => a !== h).map((a) => ({ home: h, away: a, date: day })));
    for (const p of predictBaselineDetailed(model, fixtures)) {
      expect(p.home + p.draw + p.away).toBeCloseTo(1, 10);
      for (const c of COMPONENTS) expect(p.components[c][0] + p.components[c][1] + p.components[c][2]).toBeCloseTo(1, 10);
      expect(Math.min(p.home, p.draw, p.away)).toBeGreaterThan(0);
      expect(p.xgHome).toBeGreaterThan(0);
      expect(Number.isInteger(p.mostLikelyScore.home) && Number.isInteger(p.mostLikelyScore.away)).toBe(true);
    }
    const [strongHome] = predictBaseline(model, [{ home: strongest, away: weakest, date: day }]);
    expect(strongHome!.home).toBeGreaterThan(0.6);
    expect(strongHome!.xgHome).toBeGreaterThan(strongHome!.xgAway);
    expect(strongHome!.mostLikelyScore.home).toBeGreaterThanOrEqual(strongHome!.mostLikelyScore.away);
  });

  it('gives unknown (promoted) clubs a below-average prior', () => {
    const [unknown, average] = predictBaseline(model, [
      { home: 'Promoted FC', away: middle, date: day },
      { home: lg.teams[9]!, away: middle, date: day },
    ]);
    expect(unknown!.home).toBeLessThan(average!.home);
    expect(unknown!.xgHome).toBeLessThan(average!.xgHome);
    const [twoNew] = predictBaseline(model, [{ home: 'Promoted A', away: 'Promoted B', date: day }]);
    expect(twoNew!.home).toBeGreaterThan(twoNew!.away); // only home advantage separates them
  });

  it('keeps competitions apart and treats any string as a plain team key', () => {
    const other = simulateLeague({ teams: 6, seasons: 2, seed: 4, league: 'X1' }).rows.map((r) => ({
      ...r, home: r.home === 'Team A' ? '__proto__' : r.home === 'Team B' ? 'constructor' : r.home,
      away: r.away === 'Team A' ? '__proto__' : r.away === 'Team B' ? 'constructor' : r.away,
    }));
    const mixed = fitBaseline([...lg.rows.map((r) => ({ ...r, league: 'E0' })), ...other], { asOf });
    expect(Object.keys(mixed.params.leagues).sort()).toEqual(['E0', 'X1']);
    const round = JSON.parse(JSON.stringify(mixed)) as BaselineModelJson;
    const [p] = predictBaseline(round, [{ home: '__proto__', away: 'constructor', date: day, league: 'X1' }]);
    expect(p!.home + p!.draw + p!.away).toBeCloseTo(1, 10);
    // Without a league key the competition both clubs play in is used.
    expect(predictBaselineDetailed(mixed, [{ home: strongest, away: weakest, date: day }])[0]!.league).toBe('E0');
    expect(() => predictBaseline(mixed, [{ home: strongest, away: weakest, date: day, league: 'ZZ' }])).toThrow(/ZZ/);
  });

  it('ignores results on or after asOf', () => {
    const small = simulateLeague({ teams: 10, seasons: 4, seed: 2 }).rows;
    const cut = new Date(Date.UTC(2018, 0, 1));
    const base = fitBaseline(small, { asOf: cut, now: new Date(0) });
    const later = small.map((r) => (r.date >= cut ? { ...r, homeGoals: 9, awayGoals: 0 } : r));
    const extra = [...later, { date: cut, home: 'Team A', away: 'Team B', homeGoals: 0, awayGoals: 7 }];
    expect(JSON.stringify(fitBaseline(extra, { asOf: cut, now: new Date(0) }))).toBe(JSON.stringify(base));
  });

  it('fits ≈ 1,900 matches in well under 2 s and predicts 10,000 fixtures in under 1 s', () => {
    const fixtures: Fixture[] = Array.from({ length: 10_000 }, (_, i) => ({ home: lg.teams[i % 20]!, away: lg.teams[(i + 7) % 20]!, date: day }));
    predictBaseline(model, fixtures.slice(0, 200)); // JIT warm-up, as in any long-running worker
    const t = performance.now();
    predictBaseline(model, fixtures);
    const predictMs = performance.now() - t;
    // Generous bounds: the CI machine is shared; the benchmark (npm run bench -- baseline) measures.
    expect(fitMs).toBeLessThan(2000);
    expect(predictMs).toBeLessThan(1000);
  });
});
