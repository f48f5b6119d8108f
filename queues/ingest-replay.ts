import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const ingestReplay = defineQueue({
  name: 'ingest-replay',
  description: 'Re-runs transforms and loads over the raw-payload archive, without network (after a mapping fix)',
  payload: z.object({
    source: z.string().optional(),
    since: z.iso.datetime().optional(),
    until: z.iso.datetime().optional(),
  }),
  retry: retryPresets.quick,
  timeoutMs: 30 * 60_000,
  concurrency: 1,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-replay/index.js').then((m) => m.run),
});
