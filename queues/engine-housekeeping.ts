import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { dayCount, MAX_DAYS } from '../src/schemas.js';

export const engineHousekeeping = defineQueue({
  name: 'engine-housekeeping',
  description: 'Prunes old pipeline runs and re-driven dead letters so PostgreSQL stays bounded',
  payload: z.object({
    // At most MAX_DAYS (ten years): "older than" a date before PostgreSQL's calendar fails every attempt.
    pipelineRunsDays: dayCount(MAX_DAYS).default(30),
    deadLettersDays: dayCount(MAX_DAYS).default(30),
  }),
  retry: retryPresets.quick,
  timeoutMs: 5 * 60_000,
  concurrency: 1,
  retention: defaultRetention,
  schedule: { pattern: '30 3 * * *', tz: 'UTC', missed: 'run-once', payload: { pipelineRunsDays: 30, deadLettersDays: 30 } },
  recordRuns: true,
  handler: () => import('../pipelines/engine-housekeeping/index.js').then((m) => m.run),
});
