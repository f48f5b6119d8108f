import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const ingestEspnNews = defineQueue({
  name: 'ingest-espn-news',
  description: 'ESPN news of one league: articles stored once by canonical link, linked to teams by ESPN id and name',
  payload: z.object({
    league: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'an ESPN league slug such as eng.1'),
  }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 2,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-espn-news/index.js').then((m) => m.run),
});
