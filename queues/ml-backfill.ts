import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const backfillPayload = z.object({
  /** League folders of BACKFILL_DATA_DIR (E0, SP1 …); default: all. */
  leagues: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, 'must be a league folder name such as E0')).min(1).max(50).optional(),
  /** One model version per refit policy: days between the walk-forward's fits. */
  refitDays: z.array(z.number().int().min(1).max(365)).min(1).max(5).default([7]),
  /** Store the de-margined Pinnacle closing odds as the reference forecast. */
  reference: z.boolean().default(true),
});

/**
 * Loads real seasons (football-data.co.uk CSVs under BACKFILL_DATA_DIR) as finished matches and stores the
 * predictions the baseline would have made before each kick-off (walk-forward, as `npm run eval`), one
 * model version per refit policy, plus the closing odds as the reference forecast; then recomputes their
 * statistics. Idempotent: a second run writes nothing. Also `npm run backfill`.
 */
export const mlBackfill = defineQueue({
  name: 'ml-backfill',
  description: 'Backfills real seasons with walk-forward baseline predictions and the closing-odds reference, then their statistics',
  payload: backfillPayload,
  retry: retryPresets.quick,
  timeoutMs: 60 * 60_000,
  concurrency: 1,
  globalConcurrency: 1,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ml-backfill/index.js').then((m) => m.run),
});
