import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id } from '../src/schemas.js';

export const abPayload = z.object({
  /** One test; absent: every running test. */
  testId: int4Id().optional(),
});

/**
 * Evaluates running A/B tests: stores their newly finished matches with both versions' losses and applies
 * the sequential stopping rule after every match (pipelines/_stats/ab/evaluate.ts). After full-time
 * events (debounced) and hourly.
 */
export const statsAb = defineQueue({
  name: 'stats-ab',
  description: 'Evaluates running A/B tests between model versions (sequential, paired); concludes and optionally promotes',
  payload: abPayload,
  retry: retryPresets.quick,
  timeoutMs: 5 * 60_000,
  concurrency: 1,
  globalConcurrency: 1,
  retention: defaultRetention,
  schedule: { pattern: '5 * * * *', tz: 'UTC', missed: 'skip', payload: {} },
  recordRuns: true,
  handler: () => import('../pipelines/stats-ab/index.js').then((m) => m.run),
});
