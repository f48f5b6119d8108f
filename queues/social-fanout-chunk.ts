import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { text } from '../src/schemas.js';

export const fanoutChunkPayload = z.object({ fanoutId: text(200), chunkNo: z.number().int().min(0).max(1_000_000) }).strict();

/**
 * One chunk of a large fan-out: one INSERT … SELECT of notifications and home-feed rows for the
 * recipients in its key range, checkpointed in the same transaction (a retried or recovered chunk that
 * committed does nothing). At most SOCIAL_FANOUT_CONCURRENCY in flight across all replicas, so large
 * audiences never take all of PostgreSQL from the normal lane.
 * Retries: 8 attempts (1 s doubling, ≈ 2 min): a chunk must eventually land.
 */
export const socialFanoutChunk = defineQueue({
  name: 'social-fanout-chunk',
  description: 'Notifies one chunk of a large audience (notifications and home-feed rows, set-based, checkpointed)',
  payload: fanoutChunkPayload,
  retry: { attempts: 8, delayMs: 1_000, maxDelayMs: 60_000 },
  timeoutMs: 120_000,
  concurrency: 2,
  globalConcurrency: (config) => config.SOCIAL_FANOUT_CONCURRENCY,
  retention: { completed: { count: 2_000, ageSeconds: 24 * 3600 }, failed: defaultRetention.failed },
  handler: () => import('../pipelines/social-fanout-chunk/index.js').then((m) => m.run),
});
