// Fixture access for the ingest tests. Every call parses the file again, so a test may mutate what it
// gets (to derive a variant) without leaking into another test.
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../fixtures/', import.meta.url);

export function fixtureText(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

// Tests walk into the payloads freely; a typed shape per fixture would only restate them.
export function fixtureJson(path: string): any {
  return JSON.parse(fixtureText(path));
}

export const WORLD_CUP_SCOREBOARD = 'espn/scoreboard-fifa.world-20260628-20260719-live-2026-07-11T2139Z.json';
export const EPL_SCOREBOARD = 'espn/scoreboard-eng.1-2025-05-25.json';
export const SUMMARY_FULL_TIME = 'espn/summary-760415-fifa.world-fulltime.json';
export const SUMMARY_LIVE = 'espn/summary-760495-fifa.world-live-1st-half.json';
export const EPL_NEWS = 'espn/news-eng.1.json';
export const FORECAST_MELBOURNE = 'weather/open-meteo-forecast-hourly-melbourne-gmt.json';
export const ARCHIVE_ADELAIDE = 'weather/open-meteo-archive-hourly-adelaide-2025-01-10.json';
export const BBC_RSS = 'news/bbc-sport-football-rss.xml';
export const SKY_RSS = 'news/skysports-news-12040-rss.xml';
