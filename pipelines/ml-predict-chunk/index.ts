// ml-predict-chunk: one batch-predict call for up to 500 matches, stored under the version that answered.
import type { z } from 'zod';
import type { chunkPayload } from '../../queues/ml-predict-chunk.js';
import type { JobContext } from '../../src/queue/define.js';
import type { MlEngineDeps } from '../_ml/deps.js';
import { countsOf, predictMatches, type ModelCounts, type PredictOutcome } from '../_ml/predict.js';

export interface ChunkResult {
  matches: number;
  missing: number;
  fallback: PredictOutcome['fallback'];
  byModel: ModelCounts[];
  counts: { predicted: number; failed: number; skipped: number };
}


export async function run(p: z.output<typeof chunkPayload>, ctx: JobContext<MlEngineDeps>): Promise<ChunkResult> {
  const { mlJobs } = ctx.deps;
  const outcome = await predictMatches(ctx.deps, {
    matchIds: p.matchIds, runKey: ctx.jobId, modelVersion: p.modelVersion, signal: ctx.signal, log: ctx.log,
    finalAttempt: ctx.finalAttempt,
  });
  // Progress is for people watching; the predictions are stored, so a failure here must not fail the chunk.
  await mlJobs.chunkDone(p.batchId, p.index, p.count).catch((err) => ctx.log.warn({ err: (err as Error).message }, 'could not update the batch progress'));
  return { matches: p.matchIds.length, missing: outcome.missing, fallback: outcome.fallback, byModel: outcome.byModel, counts: countsOf(outcome) };
}
