import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id, text } from '../src/schemas.js';

export const chunkPayload = z.object({
  batchId: text(200),
  index: z.number().int().min(0),
  count: z.number().int().min(1),
  matchIds: z.array(int4Id()).min(1).max(500),
  /** Set by the plan: a registry version, or null for "the service's own active model"; absent: look it up. */
  modelVersion: text(200).nullable().optional(),
});

/**
 * One batch-predict call (≤ 500 matches) and the insert of its predictions. The calls in flight are
 * bounded by PREDICT_CONCURRENCY across all replicas (keyed slots, src/queue/slots.ts); jobs run up to twice
 * that (this concurrency per process, 2 × PREDICT_CONCURRENCY as the queue's global concurrency), so
 * chunks store their results while others call.
 * Retries: 5 attempts ≈ 2 minutes; the last attempt falls back to the baseline instead of failing.
 */
export const mlPredictChunk = defineQueue({
  name: 'ml-predict-chunk',
  description: 'Predicts one chunk of a batch (ML service, or the baseline when it is unset or down) and stores the predictions',
  payload: chunkPayload,
  retry: retryPresets.upstream,
  // One 30 s service call plus the writes.
  timeoutMs: 60_000,
  concurrency: 16,
  // Calls are bounded by the call slots; twice as many chunk jobs keep the service busy while chunks
  // store their results.
  globalConcurrency: (config) => 2 * config.PREDICT_CONCURRENCY,
  retention: defaultRetention,
  handler: () => import('../pipelines/ml-predict-chunk/index.js').then((m) => m.run),
});
