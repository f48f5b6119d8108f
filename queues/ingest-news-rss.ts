import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const ingestNewsRss = defineQueue({
  name: 'ingest-news-rss',
  description: 'One RSS feed of NEWS_FEEDS: articles stored once by canonical link, team-news flags, team links',
  payload: z.object({
    feed: z.string().min(1).max(100).regex(/^[^\s,=]+$/, 'a feed name from NEWS_FEEDS, such as bbc'),
  }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 2,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-news-rss/index.js').then((m) => m.run),
});
