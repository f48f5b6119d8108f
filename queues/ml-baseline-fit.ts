import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { text } from '../src/schemas.js';

export const baselineFitPayload = z.object({ reason: text(100).default('manual') });

/** Fits the built-in baseline from the finished matches in the database and registers it. */
export const mlBaselineFit = defineQueue({
  name: 'ml-baseline-fit',
  description: 'Fits the built-in baseline model (Dixon-Coles + ratings) from finished matches and registers the version',
  payload: baselineFitPayload,
  retry: retryPresets.quick,
  timeoutMs: 10 * 60_000,
  concurrency: 1,
  retention: defaultRetention,
  // Weekly, Monday 03:00 UTC (before the ML service's retraining); SCHEDULES overrides it.
  schedule: { pattern: '0 3 * * 1', tz: 'UTC', missed: 'run-once', payload: { reason: 'scheduled' } },
  recordRuns: true,
  handler: () => import('../pipelines/ml-baseline-fit/index.js').then((m) => m.run),
});
