import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { text } from '../src/schemas.js';

export const retrainPayload = z.object({
  reason: z.enum(['scheduled', 'manual', 'drift']),
  /** Passed to POST /models/train; the service picks defaults for what is left out. */
  params: z
    .object({
      fromDate: z.iso.date().optional(),
      toDate: z.iso.date().optional(),
      competitions: z.array(text(100)).max(50).optional(),
      algorithm: text(50).optional(),
      hyperparameters: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .refine((p) => !p.fromDate || !p.toDate || p.fromDate <= p.toDate, { message: 'must not be before fromDate', path: ['toDate'] })
    .optional(),
  promote: z.enum(['always', 'if_better', 'never']).default('if_better'),
  /** What triggered a drift retraining (alert id, metric), kept for the record. */
  trigger: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Starts a training on the ML service and polls it to the end. Between polls the job defers itself
 * (RETRAIN_POLL_MS, or the service's Retry-After): it holds no worker and counts no attempt while the
 * training runs; it gives up after RETRAIN_MAX_DURATION_MS counted from the persisted start of the
 * training run. The timeout bounds one run (a start or a poll, and the registration).
 * Retries: 5 attempts with 2 s doubling: a worker restart resumes polling the same training quickly.
 */
export const mlRetrain = defineQueue({
  name: 'ml-retrain',
  description: 'Retrains the ML service model, polls the training and registers the result as a candidate version',
  payload: retrainPayload,
  retry: { attempts: 5, delayMs: 2_000, maxDelayMs: 60_000 },
  timeoutMs: 5 * 60_000,
  concurrency: 1,
  retention: defaultRetention,
  // Weekly, Monday 04:00 UTC; SCHEDULES="ml-retrain=<cron>" or "ml-retrain=off" overrides it.
  schedule: { pattern: '0 4 * * 1', tz: 'UTC', missed: 'run-once', payload: { reason: 'scheduled', promote: 'if_better' } },
  recordRuns: true,
  handler: () => import('../pipelines/ml-retrain/index.js').then((m) => m.run),
});
