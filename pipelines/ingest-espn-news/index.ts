// ESPN news of one league → the same article store as the RSS feeds, linked to teams by the ESPN team ids
// the article is tagged with and by name/alias matching.
import type { JobContext } from '../../src/queue/define.js';
import { espnArticleInputs, NEWS_SOURCE, transformEspnNews } from '../_espn/news.js';
import { newsRequest } from '../_espn/requests.js';
import { loadArticles } from '../_news/load.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { parseJson, runFeed } from '../_feeds/run-feed.js';

export async function run(p: { league: string }, ctx: JobContext<IngestPipelineDeps>) {
  const out = await runFeed(
    {
      source: NEWS_SOURCE,
      feed: ctx.deps.espn,
      request: newsRequest(p.league),
      transform: (body) => transformEspnNews(parseJson(NEWS_SOURCE, body)),
      load: (records, counts) => loadArticles(ctx.deps, espnArticleInputs(records), counts),
    },
    ctx,
  );
  return { league: p.league, changed: out.changed, counts: out.counts, ...(out.loaded ?? {}) };
}
