import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id } from '../src/schemas.js';

export const driftPayload = z.object({
  /** Only these versions; absent: every version with predictions in the current window. */
  versionIds: z.array(int4Id()).min(1).max(200).optional(),
});

/**
 * Drift checks: prediction, feature and performance drift of each version between its reference and
 * current windows (DRIFT_* settings), tests in a worker thread; alerts (one open per version × feature);
 * a critical alert calls the drift hook, which starts one retraining per RETRAIN_COOLDOWN_MS.
 */
export const statsDrift = defineQueue({
  name: 'stats-drift',
  description: 'Checks prediction, feature and performance drift per model version; opens and resolves drift alerts',
  payload: driftPayload,
  retry: retryPresets.quick,
  timeoutMs: 10 * 60_000,
  concurrency: 1,
  globalConcurrency: 1,
  retention: defaultRetention,
  // Daily at 02:45 UTC, after the nightly statistics.
  schedule: { pattern: '45 2 * * *', tz: 'UTC', missed: 'run-once', payload: {} },
  recordRuns: true,
  handler: () => import('../pipelines/stats-drift/index.js').then((m) => m.run),
});
