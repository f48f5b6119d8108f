import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id, text } from '../src/schemas.js';

export const repredictPayload = z.object({ matchId: int4Id(), kind: text(50) });

/**
 * Re-predicts one match after a match event (goal, red card, kick-off). Events reach it debounced per
 * match through pipelines/ml/on-match-event.ts; enqueued by hand (POST /jobs/ml-repredict-match) it
 * runs at once.
 */
export const mlRepredictMatch = defineQueue({
  name: 'ml-repredict-match',
  description: 'Re-predicts one match after a match event (debounced per match)',
  payload: repredictPayload,
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 4,
  retention: defaultRetention,
  handler: () => import('../pipelines/ml-repredict-match/index.js').then((m) => m.run),
});
