import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const ingestPlan = defineQueue({
  name: 'ingest-plan',
  description: 'Every minute: decides which scoreboards, summaries, weather and news to fetch now (adaptive cadence)',
  payload: z.object({}).strict(),
  retry: retryPresets.none,
  timeoutMs: 30_000,
  concurrency: 1,
  retention: { completed: { count: 100, ageSeconds: 3_600 }, failed: defaultRetention.failed },
  // A plan that starts late is stale: the next minute plans afresh.
  schedule: { everyMs: 60_000, missed: 'skip', payload: {} },
  handler: () => import('../pipelines/ingest-plan/index.js').then((m) => m.run),
});
