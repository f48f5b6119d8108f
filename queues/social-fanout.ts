import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { text } from '../src/schemas.js';

export const fanoutPayload = z.object({ fanoutId: text(200) }).strict();

/**
 * The parent of a large fan-out's flow (the large-audience lane): runs once every chunk is done, marks
 * the fan-out complete and reports its counts. Its progress (0–100 %) moves as chunks finish, visible in
 * Bull Board and GET /jobs.
 */
export const socialFanout = defineQueue({
  name: 'social-fanout',
  description: 'Completes a large fan-out once all its chunks are done (progress as chunks finish)',
  payload: fanoutPayload,
  retry: retryPresets.quick,
  timeoutMs: 60_000,
  concurrency: 2,
  retention: defaultRetention,
  handler: () => import('../pipelines/social-fanout/index.js').then((m) => m.run),
});
