import { DAY_MS } from '../../src/time.js';
// Dynamic Poisson ratings: a Kalman-style filter over the Dixon-Coles parameters.
//
// Same goals model as dixon-coles.ts (log λ_home = μ + h + att_home − def_away, …), but instead of a
// static fit on decayed data every parameter carries a Gaussian belief (mean, variance) that is updated
// after each match by one Newton step on the Poisson likelihood (assumed-density filtering with a
// diagonal covariance, as in TrueSkill) and whose variance grows with time between matches. Why it
// earns its place next to Dixon-Coles: the gain is per club — a promoted side with an uncertain prior
// learns from its first results much faster than an established one — while the decayed static fit
// applies one memory length to everyone. On 2012-24 it was the strongest single component.
const ACTIVE_DAYS = 300;

export interface GoalFilterConfig {
  /** Variance added to each attack/defence per day without a match (random-walk drift). */
  drift: number;
  /** Prior variance of a newcomer's attack and defence. */
  newcomerVariance: number;
  /** How many of the weakest active clubs set a newcomer's prior mean (see elo.ts for the reasoning). */
  newcomerPool: number;
}

export const DEFAULT_GOAL_FILTER: GoalFilterConfig = { drift: 3e-5, newcomerVariance: 0.04, newcomerPool: 5 };

/** League-wide parameters drift much more slowly than clubs. */
const GLOBAL_DRIFT_PER_MATCH = 2e-6;

export interface TeamBelief { att: number; attVar: number; def: number; defVar: number }

export interface GoalFilterState {
  teams: Map<string, TeamBelief>;
  lastPlayed: Map<string, number>;
  mu: number; muVar: number;
  home: number; homeVar: number;
}

export interface GoalFilterMatch { date: Date; home: string; away: string; homeGoals: number; awayGoals: number }

export function emptyGoalFilter(): GoalFilterState {
  return { teams: new Map(), lastPlayed: new Map(), mu: 0.3, muVar: 0.01, home: 0.25, homeVar: 0.01 };
}

function newcomerMean(s: GoalFilterState, day: number, pool: number): [number, number] {
  const active: TeamBelief[] = [];
  for (const [t, last] of s.lastPlayed) if (day - last <= ACTIVE_DAYS) { const b = s.teams.get(t); if (b) active.push(b); }
  if (active.length === 0) return [0, 0];
  active.sort((a, b) => a.att + a.def - (b.att + b.def));
  const take = active.slice(0, Math.max(1, Math.min(pool, active.length)));
  return [take.reduce((x, b) => x + b.att, 0) / take.length, take.reduce((x, b) => x + b.def, 0) / take.length];
}

/** A club's belief for a match on `day`: drifted since its last match, newcomer prior when unknown. */
export function beliefAt(s: GoalFilterState, team: string, day: number, cfg: GoalFilterConfig): TeamBelief {
  const b = s.teams.get(team), last = s.lastPlayed.get(team);
  const v0 = cfg.newcomerVariance;
  if (!b || last === undefined) { const [att, def] = newcomerMean(s, day, cfg.newcomerPool); return { att, attVar: v0, def, defVar: v0 }; }
  const gap = day - last;
  if (gap > ACTIVE_DAYS) {
    const [att, def] = newcomerMean(s, day, cfg.newcomerPool);
    return { att: (b.att + att) / 2, attVar: Math.max(b.attVar, v0), def: (b.def + def) / 2, defVar: Math.max(b.defVar, v0) };
  }
  const drift = cfg.drift * Math.max(0, gap);
  return { att: b.att, attVar: b.attVar + drift, def: b.def, defVar: b.defVar + drift };
}

export function goalFilterRates(s: GoalFilterState, home: string, away: string, day: number, cfg: GoalFilterConfig): [number, number] {
  const h = beliefAt(s, home, day, cfg), a = beliefAt(s, away, day, cfg);
  return [Math.exp(s.mu + s.home + h.att - a.def), Math.exp(s.mu + a.att - h.def)];
}

/** Replays matches (sorted by date) into `state`; `onMatch` sees each pre-match pair of rates. */
export function runGoalFilter(s: GoalFilterState, matches: readonly GoalFilterMatch[], cfg: GoalFilterConfig, onMatch?: (rates: [number, number], m: GoalFilterMatch) => void): GoalFilterState {
  for (const m of matches) {
    const day = Math.floor(m.date.getTime() / DAY_MS);
    const h = beliefAt(s, m.home, day, cfg), a = beliefAt(s, m.away, day, cfg);
    const lh = Math.exp(s.mu + s.home + h.att - a.def), la = Math.exp(s.mu + a.att - h.def);
    onMatch?.([lh, la], m);
    // Home goals: η = μ + h + att_home − def_away. One Newton step from the prior mean; with a diagonal
    // covariance the rank-one update splits into per-parameter gains v·x/(1 + λ·Σv).
    let den = 1 + lh * (s.muVar + s.homeVar + h.attVar + a.defVar);
    let r = (m.homeGoals - lh) / den;
    s.mu += s.muVar * r; s.home += s.homeVar * r; h.att += h.attVar * r; a.def -= a.defVar * r;
    s.muVar -= lh * s.muVar ** 2 / den; s.homeVar -= lh * s.homeVar ** 2 / den;
    h.attVar -= lh * h.attVar ** 2 / den; a.defVar -= lh * a.defVar ** 2 / den;
    // Away goals: η = μ + att_away − def_home.
    den = 1 + la * (s.muVar + a.attVar + h.defVar);
    r = (m.awayGoals - la) / den;
    s.mu += s.muVar * r; a.att += a.attVar * r; h.def -= h.defVar * r;
    s.muVar -= la * s.muVar ** 2 / den; a.attVar -= la * a.attVar ** 2 / den; h.defVar -= la * h.defVar ** 2 / den;
    s.muVar += GLOBAL_DRIFT_PER_MATCH; s.homeVar += GLOBAL_DRIFT_PER_MATCH;
    s.teams.set(m.home, h); s.teams.set(m.away, a);
    s.lastPlayed.set(m.home, day); s.lastPlayed.set(m.away, day);
  }
  return s;
}
