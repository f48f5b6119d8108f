// ml-repredict-match: a fresh prediction of one match after a match event; a new row, history kept.
import type { z } from 'zod';
import type { repredictPayload } from '../../queues/ml-repredict-match.js';
import type { JobContext } from '../../src/queue/define.js';
import type { MlEngineDeps } from '../_ml/deps.js';
import { countsOf, predictMatches } from '../_ml/predict.js';

export async function run(p: z.output<typeof repredictPayload>, ctx: JobContext<MlEngineDeps>) {
  const outcome = await predictMatches(ctx.deps, {
    matchIds: [p.matchId], runKey: ctx.jobId, signal: ctx.signal, log: ctx.log,
    finalAttempt: ctx.finalAttempt,
  });
  return { matchId: p.matchId, kind: p.kind, missing: outcome.missing > 0, fallback: outcome.fallback, byModel: outcome.byModel, counts: countsOf(outcome) };
}
