// The CPU part of the backfill for one league: read and check its CSVs, then the evaluation's own
// walk-forward (leagueForecasts) once per refit policy. Pure: no database; runs in a worker thread
// (compute-worker.ts) so the job's event loop stays free, or inline in tests.
import { leagueForecasts } from '../../_baseline-model/walk-forward.js';
import { demarginMultiplicative } from '../../_baseline-model/metrics.js';
import { kickoffOf, readLeagueFolder, type Quarantined } from './csv.js';

export interface ComputeRequest {
  data: string;
  history?: string;
  league: string;
  refitDays: number[];
}

/** A match as the loader stores it: its stable key and result. */
export interface BackfillMatch {
  key: string;
  season: string;
  home: string;
  away: string;
  kickoff: number;
  homeGoals: number;
  awayGoals: number;
  /** De-margined Pinnacle closing probabilities, when the row has all three prices. */
  reference: [number, number, number] | null;
}

export interface BackfillForecast {
  key: string;
  /** Cut-off of the fit that made it (UTC midnight): the prediction's time. */
  fitAsOf: number;
  p: [number, number, number];
  xg: [number, number];
  score: [number, number];
  features: Record<string, number>;
}

export interface ComputeResult {
  league: string;
  matches: BackfillMatch[];
  quarantined: Quarantined[];
  policies: Array<{ refitDays: number; forecasts: BackfillForecast[]; burnIn: string | null }>;
  cpuMs: number;
}

/** The stable provider id of a football-data match: a club hosts another once per season. */
export const matchKey = (league: string, season: string, home: string, away: string) => `${league}/${season}/${home}/${away}`;

export function computeLeague(req: ComputeRequest): ComputeResult {
  const cpu = process.cpuUsage();
  const csv = readLeagueFolder(req.data, req.league);
  const matches: BackfillMatch[] = csv.rows.map((r) => ({
    key: matchKey(r.league, r.season, r.home, r.away), season: r.season, home: r.home, away: r.away,
    kickoff: kickoffOf(r).getTime(), homeGoals: r.homeGoals, awayGoals: r.awayGoals,
    reference: r.closingOdds ? demarginMultiplicative(r.closingOdds) : null,
  }));
  const policies = req.refitDays.map((refitDays) => {
    const { forecasts, burnIn } = leagueForecasts({ data: req.data, history: req.history, league: req.league, refitDays }, csv.rows);
    return {
      refitDays, burnIn,
      forecasts: forecasts.map((f): BackfillForecast => ({
        key: matchKey(f.match.league, f.match.season, f.match.home, f.match.away),
        fitAsOf: f.fitAsOf.getTime(),
        p: [f.prediction.home, f.prediction.draw, f.prediction.away],
        xg: [f.prediction.xgHome, f.prediction.xgAway],
        score: [f.prediction.mostLikelyScore.home, f.prediction.mostLikelyScore.away],
        features: f.prediction.features,
      })),
    };
  });
  const used = process.cpuUsage(cpu);
  return { league: req.league, matches, quarantined: csv.quarantined, policies, cpuMs: (used.user + used.system) / 1000 };
}
