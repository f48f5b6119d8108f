// The ESPN requests the pipelines make, with the recorded file names that answer them in replay mode
// (the layout of test/fixtures/espn/).
import type { FetchRequest } from '../_feeds/source.js';
import { isoDate } from '../../src/time.js';

/** `dates` is ESPN's `YYYYMMDD` or `YYYYMMDD-YYYYMMDD`. */
export function scoreboardRequest(league: string, dates: string): FetchRequest {
  const dashed = dates.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
  return {
    key: `scoreboard:${league}:${dates}`,
    path: `${league}/scoreboard`,
    query: { dates, limit: 500 },
    replay: [`espn/scoreboard-${league}-${dates}`, `espn/scoreboard-${league}-${dashed}`, `espn/scoreboard-${league}-`],
  };
}

export function summaryRequest(league: string, eventId: string): FetchRequest {
  return { key: `summary:${league}:${eventId}`, path: `${league}/summary`, query: { event: eventId }, replay: [`espn/summary-${eventId}-`] };
}

export function newsRequest(league: string): FetchRequest {
  return { key: `news:${league}`, path: `${league}/news`, query: { limit: 50 }, replay: [`espn/news-${league}`] };
}

export function espnDate(d: Date): string {
  return isoDate(d).replace(/-/g, '');
}
