import { describe, expect, it } from 'vitest';
import { DEFAULT_ELO, emptyElo, eloGap, fitOrderedLogit, orderedLogitProbs, runElo } from '../../../pipelines/_baseline-model/elo.js';
import { DEFAULT_PI, emptyPi, piGap, runPi } from '../../../pipelines/_baseline-model/pi-ratings.js';
import { DEFAULT_GOAL_FILTER, emptyGoalFilter, goalFilterRates, runGoalFilter } from '../../../pipelines/_baseline-model/goal-filter.js';
import type { Outcome } from '../../../pipelines/_baseline-model/metrics.js';
import { mulberry32, simulateLeague, spearman } from './synthetic.js';

const lg = simulateLeague({ teams: 16, seasons: 4, seed: 5, spread: 0.4 });
const truth = lg.attack.map((a, i) => a + lg.defence[i]!);
const endDay = Math.floor(lg.rows[lg.rows.length - 1]!.date.getTime() / 86_400_000) + 1;

describe('rating models on a simulated league', () => {
  it('Elo orders the clubs by true strength and learns a positive home advantage', () => {
    const s = runElo(emptyElo(DEFAULT_ELO), lg.rows, DEFAULT_ELO);
    const ratings = lg.teams.map((t) => s.ratings.get(t)!);
    expect(spearman(ratings, truth)).toBeGreaterThan(0.9);
    expect(s.homeAdv).toBeGreaterThan(0);
    // A newcomer starts at the level of the weakest clubs, not at the league mean.
    const weakest = lg.teams[0]!;
    expect(eloGap(s, 'Promoted FC', weakest, endDay, DEFAULT_ELO) - s.homeAdv).toBeLessThan(60);
    expect(eloGap(s, 'Promoted FC', lg.teams[15]!, endDay, DEFAULT_ELO) - s.homeAdv).toBeLessThan(-150);
  });

  it('pi-ratings and the goal filter order the clubs too', () => {
    const pi = runPi(emptyPi(), lg.rows, DEFAULT_PI);
    const piStrength = lg.teams.map((t) => pi.home.get(t)! + pi.away.get(t)!);
    expect(spearman(piStrength, truth)).toBeGreaterThan(0.9);
    const kf = runGoalFilter(emptyGoalFilter(), lg.rows, DEFAULT_GOAL_FILTER);
    const kfStrength = lg.teams.map((t) => kf.teams.get(t)!.att + kf.teams.get(t)!.def);
    expect(spearman(kfStrength, truth)).toBeGreaterThan(0.9);
    expect(kf.home).toBeGreaterThan(lg.home - 0.1);
    expect(kf.home).toBeLessThan(lg.home + 0.1);
    // Strong at home against weak: positive expected margin / higher home rate.
    expect(piGap(pi, lg.teams[15]!, lg.teams[0]!, endDay, DEFAULT_PI)).toBeGreaterThan(0.5);
    const [lh, la] = goalFilterRates(kf, lg.teams[15]!, lg.teams[0]!, endDay, DEFAULT_GOAL_FILTER);
    expect(lh).toBeGreaterThan(2 * la);
  });

  it('ordered logit recovers its parameters', () => {
    const rnd = mulberry32(9);
    const truthOl = { beta: 1.2, cut1: -0.8, cut2: 0.4 };
    const xs: number[] = [], os: Outcome[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = (rnd() - 0.5) * 4;
      const p = orderedLogitProbs(truthOl, x), u = rnd();
      xs.push(x); os.push(u < p[0] ? 0 : u < p[0] + p[1] ? 1 : 2);
    }
    const fit = fitOrderedLogit(xs, os);
    expect(fit.beta).toBeCloseTo(truthOl.beta, 1);
    expect(fit.cut1).toBeCloseTo(truthOl.cut1, 1);
    expect(fit.cut2).toBeCloseTo(truthOl.cut2, 1);
    const p = orderedLogitProbs(fit, 0.3);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
  });
});
