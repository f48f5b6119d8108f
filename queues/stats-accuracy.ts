import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id } from '../src/schemas.js';

export const accuracyPayload = z.object({
  /** Only these versions (a finished match's versions); absent: every version (the nightly recomputation). */
  versionIds: z.array(int4Id()).min(1).max(200).optional(),
  trigger: z.enum(['full', 'match', 'manual']).default('manual'),
  /**
   * Score finished matches again before aggregating: "recent" (kick-off within 3 days: catches a missed
   * full-time event; the nightly default), "all" (after a change of the scoring), "none".
   */
  rescore: z.enum(['none', 'recent', 'all']).default('none'),
});

/**
 * Accuracy and calibration per model version × league × window, recomputed by one set-based statement
 * (pipelines/_stats/accuracy/recompute.ts) and stored with history. Nightly in full; after a finished
 * match for the versions that predicted it (debounced, so a matchday's full-times make one job).
 */
export const statsAccuracy = defineQueue({
  name: 'stats-accuracy',
  description: 'Recomputes accuracy and calibration per model version, league and window (set-based SQL, stored with history)',
  payload: accuracyPayload,
  retry: retryPresets.quick,
  timeoutMs: 10 * 60_000,
  concurrency: 1,
  globalConcurrency: 1,
  retention: defaultRetention,
  // Nightly at 02:15 UTC, before the baseline's and the service's weekly fits.
  schedule: { pattern: '15 2 * * *', tz: 'UTC', missed: 'run-once', payload: { trigger: 'full', rescore: 'recent' } },
  recordRuns: true,
  handler: () => import('../pipelines/stats-accuracy/index.js').then((m) => m.run),
});
