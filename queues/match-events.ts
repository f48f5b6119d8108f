import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id, INT4_MAX } from '../src/schemas.js';

/** One domain event per match change (kick-off, goal, half-time, full-time, …), from ingestion. */
export const matchEventPayload = z.object({
  eventId: z.string(),
  matchId: int4Id(),
  kind: z.string(),
  eventKey: z.string(),
  status: z.string(),
  homeScore: z.number().int().min(0).max(INT4_MAX).nullable(),
  awayScore: z.number().int().min(0).max(INT4_MAX).nullable(),
});

export const matchEvents = defineQueue({
  name: 'match-events',
  description: 'Match change events from ingestion; fans out to re-prediction (goals, red cards, kick-off)',
  payload: matchEventPayload,
  retry: retryPresets.patient,
  timeoutMs: 30_000,
  concurrency: 8,
  retention: defaultRetention,
  handler: () => import('../pipelines/match-events/index.js').then((m) => m.run),
});
