import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id, isoDateOrDateTime, text } from '../src/schemas.js';

const isoDate = isoDateOrDateTime();

/**
 * Which matches to predict: exactly one of `matchIds`, `league` + `from` + `to`, or `scheduledWithinDays`.
 * One flat object (not a zod union) so that a 400 names the offending field instead of "invalid input".
 * No transforms: the stored job data must parse again at dequeue.
 */
export const predictionSelection = z
  .object({
    matchIds: z.array(int4Id()).min(1).max(50_000).optional(),
    /** Competition slug or provider id. */
    league: text(100).optional(),
    /** Kick-off window for `league`; a date-only `to` includes that whole day (UTC). */
    from: isoDate.optional(),
    to: isoDate.optional(),
    scheduledWithinDays: z.number().int().min(1).max(366).optional(),
    /** A registry version (service or baseline); default: the active one. */
    modelVersion: text(200).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = [s.matchIds && 'matchIds', s.league !== undefined && 'league', s.scheduledWithinDays !== undefined && 'scheduledWithinDays'].filter(Boolean);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: given.length ? [given[1] as string] : [], message: 'give exactly one of matchIds, league (with from and to) or scheduledWithinDays' });
    }
    if (s.league !== undefined) {
      if (s.from === undefined) ctx.addIssue({ code: 'custom', path: ['from'], message: 'required with league' });
      if (s.to === undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: 'required with league' });
      if (s.from && s.to && Date.parse(s.from) > Date.parse(s.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    } else {
      for (const f of ['from', 'to'] as const) if (s[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: 'only allowed with league' });
    }
  });

export type PredictionSelection = z.output<typeof predictionSelection>;

/**
 * The parent of a batch-prediction flow: it runs once all its children (the plan job and the chunks it
 * adds) are done, and summarises them. Created by POST /predictions/batch; enqueued by hand through
 * POST /jobs/ml-predict-batch it starts such a flow and names it in its result.
 */
export const mlPredictBatch = defineQueue({
  name: 'ml-predict-batch',
  description: 'Summarises a batch prediction (predicted / failed / skipped per model version) once its chunks are done',
  payload: predictionSelection,
  retry: retryPresets.quick,
  timeoutMs: 2 * 60_000,
  concurrency: 4,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ml-predict-batch/index.js').then((m) => m.run),
});
