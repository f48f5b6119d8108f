import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { text } from '../src/schemas.js';

export const ingestReplay = defineQueue({
  name: 'ingest-replay',
  description: 'Re-runs transforms and loads over the raw-payload archive, without network (after a mapping fix)',
  payload: z
    .object({
      source: text(100).optional(),
      since: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
    })
    .refine((p) => !p.since || !p.until || Date.parse(p.since) <= Date.parse(p.until), { message: 'must not be before since', path: ['until'] }),
  retry: retryPresets.quick,
  timeoutMs: 30 * 60_000,
  concurrency: 1,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-replay/index.js').then((m) => m.run),
});
