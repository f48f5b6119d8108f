import { DAY_MS } from '../../src/time.js';
// pi-ratings (Constantinou & Fenton 2013): every club has a home and an away rating in "goals", updated
// from the error between the observed and the expected goal difference. Compared with Elo it learns
// from the size of every result, not just its sign, and separates home from away form; compared with
// Dixon-Coles it is a dynamic filter rather than a decayed static fit. Both differences are why it
// adds information in the blend although all three models see nothing but scores.
/** The paper's base-10 scale with c = 3: a rating of 3 is worth 9 goals of expected margin. */
const C = 3;
const ACTIVE_DAYS = 300;

export interface PiConfig {
  /** Learning rate. */
  lambda: number;
  /** Share of an update that carries over to the club's other (home/away) rating. */
  gamma: number;
  /** How many of the weakest active clubs set a newcomer's ratings (see elo.ts for the reasoning). */
  newcomerPool: number;
}

export const DEFAULT_PI: PiConfig = { lambda: 0.05, gamma: 0.7, newcomerPool: 6 };

/** Maps, not records, so that any string is a safe team key; day numbers as in elo.ts. */
export interface PiState { home: Map<string, number>; away: Map<string, number>; lastPlayed: Map<string, number> }

export interface PiMatch { date: Date; home: string; away: string; homeGoals: number; awayGoals: number }

export function emptyPi(): PiState {
  return { home: new Map(), away: new Map(), lastPlayed: new Map() };
}

const expectedMargin = (r: number): number => Math.sign(r) * (Math.pow(10, Math.abs(r) / C) - 1);

/** Mean home and away rating of the `pool` weakest clubs active at `day` (0, 0 for an empty league). */
export function piNewcomer(state: PiState, day: number, pool: number): [number, number] {
  const active: [number, number][] = [];
  for (const [team, last] of state.lastPlayed) {
    if (day - last <= ACTIVE_DAYS) active.push([state.home.get(team) ?? 0, state.away.get(team) ?? 0]);
  }
  if (active.length === 0) return [0, 0];
  active.sort((a, b) => a[0] + a[1] - (b[0] + b[1]));
  const take = active.slice(0, Math.max(1, Math.min(pool, active.length)));
  return [take.reduce((s, r) => s + r[0], 0) / take.length, take.reduce((s, r) => s + r[1], 0) / take.length];
}

/** A club's [home, away] ratings for a match on `day`: newcomer prior when unknown, half-way when stale. */
export function piRatingsAt(state: PiState, team: string, day: number, cfg: PiConfig): [number, number] {
  const last = state.lastPlayed.get(team);
  const h = state.home.get(team), a = state.away.get(team);
  if (last === undefined || h === undefined || a === undefined) return piNewcomer(state, day, cfg.newcomerPool);
  if (day - last > ACTIVE_DAYS) {
    const p = piNewcomer(state, day, cfg.newcomerPool);
    return [(h + p[0]) / 2, (a + p[1]) / 2];
  }
  return [h, a];
}

/** Expected goal difference (home − away) of a match on `day`. */
export function piGap(state: PiState, home: string, away: string, day: number, cfg: PiConfig): number {
  return expectedMargin(piRatingsAt(state, home, day, cfg)[0]) - expectedMargin(piRatingsAt(state, away, day, cfg)[1]);
}

/** Replays matches (sorted by date) into `state`; `onMatch` sees each pre-match expected margin. */
export function runPi(state: PiState, matches: readonly PiMatch[], cfg: PiConfig, onMatch?: (gap: number, m: PiMatch, index: number) => void): PiState {
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    const day = Math.floor(m.date.getTime() / DAY_MS);
    const [hh, ha] = piRatingsAt(state, m.home, day, cfg);
    const [ah, aa] = piRatingsAt(state, m.away, day, cfg);
    const gap = expectedMargin(hh) - expectedMargin(aa);
    onMatch?.(gap, m, i);
    const err = m.homeGoals - m.awayGoals - gap;
    // Diminishing returns: a 5-goal surprise is not five times as informative as a 1-goal one.
    const psi = Math.sign(err) * C * Math.log10(1 + Math.abs(err)) * cfg.lambda;
    state.home.set(m.home, hh + psi);
    state.away.set(m.home, ha + psi * cfg.gamma);
    state.away.set(m.away, aa - psi);
    state.home.set(m.away, ah - psi * cfg.gamma);
    state.lastPlayed.set(m.home, day);
    state.lastPlayed.set(m.away, day);
  }
  return state;
}
