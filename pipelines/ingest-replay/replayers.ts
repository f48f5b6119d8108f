// How each archived source is re-applied: the same transform and load its live pipeline uses.
import type { Quarantined } from '../shared/transform.js';
import type { IngestPipelineDeps } from '../ingest-shared/deps.js';
import { publishEvents, recordEvents } from '../ingest-shared/events.js';
import { parseJson } from '../ingest-shared/run-feed.js';
import type { IngestCounts } from '../ingest-shared/store.js';
import { applyMatches } from '../ingest-espn/apply.js';
import { loadSummary } from '../ingest-espn/load-summary.js';
import { SCOREBOARD_SOURCE, transformScoreboard } from '../ingest-espn/scoreboard.js';
import { SUMMARY_SOURCE, transformSummary } from '../ingest-espn/summary.js';
import { NEWS_SOURCE, transformEspnNews } from '../ingest-espn/news.js';
import { espnArticleInputs } from '../ingest-espn-news/index.js';
import { loadArticles } from '../ingest-news/load.js';
import { rssFeedFor, rssSource } from '../ingest-news/requests.js';
import { transformRss } from '../ingest-news/rss.js';
import { rssArticleInputs } from '../ingest-news-rss/index.js';

export type Replayer = (body: Buffer, deps: IngestPipelineDeps, counts: IngestCounts) => Promise<{ quarantined: Quarantined[] }>;

const espn: Record<string, Replayer> = {
  [SCOREBOARD_SOURCE]: async (body, deps, counts) => {
    const r = transformScoreboard(parseJson(SCOREBOARD_SOURCE, body));
    await applyMatches(deps, r.records, counts);
    return r;
  },
  [SUMMARY_SOURCE]: async (body, deps, counts) => {
    const r = transformSummary(parseJson(SUMMARY_SOURCE, body));
    const outbox = await deps.db.$transaction(async (tx) => {
      const events = [];
      for (const s of r.records) {
        const l = await loadSummary(tx, s);
        if (l.matchId !== null) counts[l.written ? 'updated' : 'unchanged']++;
        events.push(...l.events);
      }
      return recordEvents(tx, events);
    });
    await publishEvents(deps, outbox);
    return r;
  },
};

/** Every archived source this deployment can re-apply: ESPN's, plus the configured RSS feeds. */
export function replayersFor(deps: Pick<IngestPipelineDeps, 'newsFeeds'>): Record<string, Replayer> {
  const out: Record<string, Replayer> = {
    ...espn,
    [NEWS_SOURCE]: async (body, d, counts) => {
      const r = transformEspnNews(parseJson(NEWS_SOURCE, body));
      await loadArticles(d.db, espnArticleInputs(r.records), counts);
      return r;
    },
  };
  for (const [name, url] of deps.newsFeeds) {
    const feed = rssFeedFor(name, url);
    out[rssSource(feed)] = async (body, d, counts) => {
      const r = transformRss(body.toString('utf8'), feed);
      await loadArticles(d.db, rssArticleInputs(r.records), counts);
      return r;
    };
  }
  return out;
}
