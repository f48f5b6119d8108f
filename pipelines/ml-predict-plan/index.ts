// ml-predict-plan: the first child of a batch flow. Resolves the selection and adds the chunks to the
// batch (the parent), which then waits for them as well.
import type { z } from 'zod';
import type { planPayload } from '../../queues/ml-predict-plan.js';
import type { JobContext } from '../../src/queue/define.js';
import type { MlEngineDeps } from '../_ml/deps.js';
import { resolveSelection, splitIntoChunks } from '../_ml/selection.js';
import { activeVersion } from '../_ml/registry.js';
import { ModelSource } from '../../src/generated/prisma/client.js';

export type PlanResult = { planned: number; chunks: number; skipped: number; counts: { planned: number; chunks: number; skipped: number } };

export async function run(p: z.output<typeof planPayload>, ctx: JobContext<MlEngineDeps>): Promise<PlanResult> {
  const { db, config, mlJobs } = ctx.deps;
  const resolved = await resolveSelection(ctx.deps.sql, p.selection);
  const plan = await mlJobs.fixPlan(p.batchId, { chunks: splitIntoChunks(resolved.matchIds, config.PREDICT_CHUNK_SIZE), skipped: resolved.skipped });
  // One batch, one model: the version active when it was planned, even if a promotion lands meanwhile
  // (null: no service version is active in the registry, so the service's own default).
  const modelVersion = p.selection.modelVersion ?? (ctx.deps.ml ? ((await activeVersion(db, ModelSource.ML_SERVICE))?.version ?? null) : null);
  // The first wave fills the chunk queue's global concurrency (2 × PREDICT_CONCURRENCY) at once.
  await mlJobs.addChunks(p.batchId, plan.chunks, modelVersion, 2 * config.PREDICT_CONCURRENCY);
  const planned = plan.chunks.reduce((n, c) => n + c.length, 0);
  ctx.log.info({ batchId: p.batchId, planned, chunks: plan.chunks.length, skipped: plan.skipped }, 'batch planned');
  const counts = { planned, chunks: plan.chunks.length, skipped: plan.skipped };
  return { ...counts, counts };
}
