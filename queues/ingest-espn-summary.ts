import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

/** Events one job fetches at most (side by side); the planner splits longer lists into several jobs. */
export const MAX_SUMMARY_EVENTS = 100;

export const ingestEspnSummary = defineQueue({
  name: 'ingest-espn-summary',
  description: 'ESPN summaries of one match or of a league\'s live matches (fetched side by side): team statistics, lineups and formations, key events, officials, attendance',
  payload: z
    .object({
      league: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'an ESPN league slug such as eng.1'),
      eventId: z.string().regex(/^\d+$/, 'an ESPN event id').optional(),
      eventIds: z.array(z.string().regex(/^\d+$/, 'an ESPN event id')).min(1).max(MAX_SUMMARY_EVENTS).optional(),
    })
    .refine((p) => p.eventId || p.eventIds, { message: 'give eventId or eventIds', path: ['eventId'] }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 4,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-espn-summary/index.js').then((m) => m.run),
});
