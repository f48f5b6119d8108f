import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const ingestEspnScoreboard = defineQueue({
  name: 'ingest-espn-scoreboard',
  description: 'ESPN scoreboard of one league and date (range): fixtures, status, live scores, venues, goals and cards',
  payload: z.object({
    league: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'an ESPN league slug such as eng.1'),
    dates: z.string().regex(/^\d{8}(-\d{8})?$/, 'YYYYMMDD or YYYYMMDD-YYYYMMDD').optional(),
  }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 4,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-espn-scoreboard/index.js').then((m) => m.run),
});
