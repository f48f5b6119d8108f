// ml-baseline-fit: fits the baseline from the finished matches in the database and registers it.
import { mlPredictBatch } from '../../queues/ml-predict-batch.js';
import type { z } from 'zod';
import type { baselineFitPayload } from '../../queues/ml-baseline-fit.js';
import type { JobContext } from '../../src/queue/define.js';
import { fitAndRegister } from '../_ml/baseline.js';
import type { MlEngineDeps } from '../_ml/deps.js';

export async function run(p: z.output<typeof baselineFitPayload>, ctx: JobContext<MlEngineDeps>) {
  const res = await fitAndRegister(ctx.deps, ctx.log);
  const v = res.version;
  // Without an ML service the baseline makes the predictions, so a new active version re-predicts the
  // upcoming matches; with one, the baseline is only the fallback and nothing needs redoing.
  const repredict = res.activated && !ctx.deps.ml
    ? await ctx.deps.mlJobs.repredictUpcoming(`repredict-model-${v.id}-${v.promotedAt!.getTime()}`, v.version)
    : null;
  return {
    reason: p.reason, modelVersionId: v.id, version: v.version, stage: v.stage, created: res.created, activated: res.activated,
    fitMs: res.fitMs, metrics: v.metrics, repredict: repredict && { queue: mlPredictBatch.name, id: repredict.id },
    counts: { results: res.results, created: Number(res.created) },
  };
}
