// One configured RSS feed (NEWS_FEEDS name) → articles stored once by canonical link, flagged for team
// news (injury, suspension, lineup) and linked to teams by name/alias.
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { runFeed } from '../_feeds/run-feed.js';
import { loadArticles } from '../_news/load.js';
import { rssFeedFor, rssRequest, rssSource } from '../_news/requests.js';
import { rssArticleInputs, transformRss, type RssTransformResult } from '../_news/rss.js';

export async function run(p: { feed: string }, ctx: JobContext<IngestPipelineDeps>) {
  const url = ctx.deps.newsFeeds.get(p.feed);
  const source = ctx.deps.news.get(p.feed);
  if (url === undefined || source === undefined) {
    throw new NonRetryableError(`unknown news feed "${p.feed}": NEWS_FEEDS configures ${[...ctx.deps.newsFeeds.keys()].join(', ') || 'none'}`);
  }
  const feed = rssFeedFor(p.feed, url);
  const sourceName = rssSource(feed);
  let parsed: RssTransformResult | undefined;
  const out = await runFeed(
    {
      source: sourceName,
      feed: source,
      request: rssRequest(p.feed, url),
      transform: (body) => {
        parsed = transformRss(body.toString('utf8'), feed);
        // A feed that cannot be read as a whole (not well-formed, cut short, an HTML error page) fails the
        // job like malformed JSON does: retryable, nothing stored or archived, the cursor not moved.
        if (parsed.unreadable) throw new Error(`${sourceName}: ${parsed.unreadable}`);
        return parsed;
      },
      load: (records, counts) => loadArticles(ctx.deps, rssArticleInputs(records), counts),
    },
    ctx,
  );
  return {
    feed: p.feed,
    changed: out.changed,
    counts: out.counts,
    ...(parsed && out.changed ? { duplicates: parsed.duplicates, filteredOut: parsed.filteredOut } : {}),
    ...(out.loaded ?? {}),
  };
}
