import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

/** One domain event per match change (kick-off, goal, half-time, full-time, …), from ingestion. */
export const matchEventPayload = z.object({
  eventId: z.string(),
  matchId: z.number().int(),
  kind: z.string(),
  eventKey: z.string(),
  status: z.string(),
  homeScore: z.number().int().nullable(),
  awayScore: z.number().int().nullable(),
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
