// ESPN news of one league → the same article store as the RSS feeds, linked to teams by the ESPN team ids
// the article is tagged with and by name/alias matching.
import type { JobContext } from '../../src/queue/define.js';
import { NEWS_SOURCE, transformEspnNews, type EspnArticle } from '../ingest-espn/news.js';
import { newsRequest } from '../ingest-espn/requests.js';
import { loadArticles } from '../ingest-news/load.js';
import type { IngestPipelineDeps } from '../ingest-shared/deps.js';
import { parseJson, runFeed } from '../ingest-shared/run-feed.js';

export async function run(p: { league: string }, ctx: JobContext<IngestPipelineDeps>) {
  const out = await runFeed(
    {
      source: NEWS_SOURCE,
      feed: ctx.deps.espn,
      request: newsRequest(p.league),
      transform: (body) => transformEspnNews(parseJson(NEWS_SOURCE, body)),
      load: (records, counts) => loadArticles(ctx.deps.db, espnArticleInputs(records), counts),
    },
    ctx,
  );
  return { league: p.league, changed: out.changed, counts: out.counts, ...(out.loaded ?? {}) };
}

export const espnArticleInputs = (records: readonly EspnArticle[]) =>
  records.map((a) => ({
    provider: a.provider, providerId: a.providerId, link: a.link, headline: a.headline, description: a.description,
    published: a.published, image: a.image, teamProviderIds: a.teamProviderIds,
  }));
