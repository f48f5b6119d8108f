// How each archived source is re-applied: the same transform and load its live pipeline uses.
import { tx } from '../../src/db/executor.js';
import type { Quarantined } from '../_feeds/transform.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { parseJson } from '../_feeds/run-feed.js';
import type { IngestCounts } from '../_feeds/store.js';
import { applyMatches } from '../_espn/apply.js';
import { loadSummary } from '../_espn/load-summary.js';
import { SCOREBOARD_SOURCE, transformScoreboard } from '../_espn/scoreboard.js';
import { SUMMARY_SOURCE, transformSummary } from '../_espn/summary.js';
import { espnArticleInputs, NEWS_SOURCE, transformEspnNews } from '../_espn/news.js';
import { loadArticles } from '../_news/load.js';
import { rssFeedFor, rssSource } from '../_news/requests.js';
import { rssArticleInputs, transformRss } from '../_news/rss.js';
import { storeWeather } from '../_open-meteo/load.js';
import type { WeatherSource } from '../_open-meteo/transform.js';
import { matchWeather, weatherSourceName } from '../_open-meteo/match-weather.js';
import { quarantineOne } from '../_feeds/transform.js';

/** What the archive knows of a payload besides its body. */
export interface ArchivedPayload {
  requestKey: string;
  fetchedAt: Date;
}

export type Replayer = (body: Buffer, deps: IngestPipelineDeps, counts: IngestCounts, raw: ArchivedPayload) => Promise<{ quarantined: Quarantined[] }>;

/**
 * Open-Meteo weather of one match (request key `<source>:match:<id>:…`), stored as issued at its fetch
 * time: replaying rebuilds the forecast history, and a row that is already there is not written twice.
 */
function weather(source: WeatherSource): Replayer {
  const name = weatherSourceName(source);
  return async (body, deps, counts, raw) => {
    const matchId = Number(/^[a-z]+:match:(\d+):/.exec(raw.requestKey)?.[1]);
    const context = { requestKey: raw.requestKey, fetchedAt: raw.fetchedAt.toISOString() };
    if (!matchId) return { quarantined: [quarantineOne(name, raw.requestKey, context, 'archived weather payload whose request key names no match')] };
    const match = await deps.db.match.findUnique({ where: { id: matchId }, select: { id: true, kickoff: true } });
    if (!match) return { quarantined: [] }; // the match was deleted since: nothing to rebuild
    const r = matchWeather(name, source, parseJson(name, body), match, { matchId, kickoff: match.kickoff.toISOString(), ...context });
    await storeWeather(deps.sql, r.records.map((w) => ({ matchId, source, issuedAt: raw.fetchedAt, weather: w.weather })), counts);
    return r;
  };
}

const espn: Record<string, Replayer> = {
  // Replayed as of its fetch time: a payload older than a match's stored state changes no state, and
  // nothing is announced (no events, live snapshots or re-predictions).
  [SCOREBOARD_SOURCE]: async (body, deps, counts, raw) => {
    const r = transformScoreboard(parseJson(SCOREBOARD_SOURCE, body));
    await applyMatches(deps, r.records, counts, { asOf: raw.fetchedAt, replay: true });
    return r;
  },
  [SUMMARY_SOURCE]: async (body, deps, counts) => {
    const r = transformSummary(parseJson(SUMMARY_SOURCE, body));
    // Rebuilds the enrichment only: the events a live fetch derived were announced then.
    await tx(deps.sql, async (t) => {
      for (const s of r.records) {
        const l = await loadSummary(t, s);
        if (l.matchId !== null) counts[l.written ? 'updated' : 'unchanged']++;
      }
    });
    return r;
  },
};

/** Every archived source this deployment can re-apply: ESPN's, Open-Meteo's weather, the configured RSS feeds. */
export function replayersFor(deps: Pick<IngestPipelineDeps, 'newsFeeds'>): Record<string, Replayer> {
  const out: Record<string, Replayer> = {
    ...espn,
    [weatherSourceName('forecast')]: weather('forecast'),
    [weatherSourceName('archive')]: weather('archive'),
    [NEWS_SOURCE]: async (body, d, counts) => {
      const r = transformEspnNews(parseJson(NEWS_SOURCE, body));
      await loadArticles(d, espnArticleInputs(r.records), counts);
      return r;
    },
  };
  for (const [name, url] of deps.newsFeeds) {
    const feed = rssFeedFor(name, url);
    out[rssSource(feed)] = async (body, d, counts) => {
      const r = transformRss(body.toString('utf8'), feed);
      await loadArticles(d, rssArticleInputs(r.records), counts);
      return r;
    };
  }
  return out;
}
