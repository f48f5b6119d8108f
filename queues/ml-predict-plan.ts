import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { text } from '../src/schemas.js';
import { predictionSelection } from './ml-predict-batch.js';

export const planPayload = z.object({ batchId: text(200), selection: predictionSelection });

/** First child of a batch flow: resolves the selection to match ids and adds the chunk jobs to the batch. */
export const mlPredictPlan = defineQueue({
  name: 'ml-predict-plan',
  description: 'Resolves a batch selection to match ids and adds one ml-predict-chunk child per chunk',
  payload: planPayload,
  retry: retryPresets.quick,
  timeoutMs: 2 * 60_000,
  concurrency: 2,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ml-predict-plan/index.js').then((m) => m.run),
});
