// ml-predict-batch: the parent of a batch flow. It runs after the plan and every chunk have finished and
// summarises them; chunks that failed for good are counted (and their matches recorded as errors).
import { z } from 'zod';
import { mlPredictBatch, type PredictionSelection } from '../../queues/ml-predict-batch.js';
import { mlPredictPlan } from '../../queues/ml-predict-plan.js';
import type { JobContext } from '../../src/queue/define.js';
import type { MlEngineDeps } from '../_ml/deps.js';
import { planJobId } from '../_ml/jobs.js';
import { storeErrors } from '../_ml/store.js';

const planValue = z.object({ planned: z.number(), chunks: z.number(), skipped: z.number() });
const chunkValue = z.object({
  missing: z.number(),
  fallback: z.string().nullable(),
  byModel: z.array(z.object({ modelVersionId: z.number(), source: z.string(), version: z.string(), predicted: z.number(), failed: z.number(), skipped: z.number() })),
});

type Counts = { predicted: number; failed: number; skipped: number };
export interface ModelSummary extends Counts {
  modelVersionId: number | null;
  source: string;
  version: string;
}

export interface BatchSummary {
  batchId: string;
  planned: number;
  chunks: { total: number; succeeded: number; failed: number; fellBack: number };
  totals: Counts;
  /** Per model version that answered; matches of chunks that failed for good are under source "none". */
  byModelVersion: ModelSummary[];
  counts: Counts;
}

export async function run(selection: PredictionSelection, ctx: JobContext<MlEngineDeps>): Promise<BatchSummary | { delegatedTo: { queue: string; id: string } }> {
  const { mlJobs, db } = ctx.deps;
  const { values, failures } = await ctx.children();
  const planChild = values.find((c) => c.queue === mlPredictPlan.name && c.id === planJobId(ctx.jobId));
  if (!planChild) {
    // Enqueued by hand (POST /jobs/ml-predict-batch): a plain job cannot wait for children, so it starts
    // a flow and points to it. The derived id makes a retry of this job find the same flow.
    const { id } = await mlJobs.submitBatch(selection, `${ctx.jobId}-flow`);
    ctx.log.info({ batchId: id }, 'started a batch flow for a hand-enqueued batch');
    return { delegatedTo: { queue: mlPredictBatch.name, id } };
  }
  const plan = planValue.parse(planChild.value);
  const byModel = new Map<string, ModelSummary>();
  const add = (m: ModelSummary) => {
    const key = `${m.source}/${m.version}`;
    const cur = byModel.get(key) ?? { ...m, predicted: 0, failed: 0, skipped: 0 };
    cur.predicted += m.predicted;
    cur.failed += m.failed;
    cur.skipped += m.skipped;
    byModel.set(key, cur);
  };
  let succeeded = 0, fellBack = 0, missing = 0;
  for (const child of values) {
    if (child === planChild) continue;
    const v = chunkValue.parse(child.value);
    succeeded += 1;
    missing += v.missing;
    if (v.fallback) fellBack += 1;
    v.byModel.forEach(add);
  }

  const stored = failures.length ? await mlJobs.storedPlan(ctx.jobId) : null;
  let failedMatches = 0;
  for (const { id, reason } of failures) {
    const index = Number(id.slice(id.lastIndexOf('-c') + 2));
    const matchIds = stored?.chunks[index] ?? [];
    failedMatches += matchIds.length;
    await storeErrors(db, id, matchIds.map((matchId) => ({ matchId, code: 'CHUNK_FAILED', message: reason, retryable: true })));
  }
  if (failedMatches) add({ modelVersionId: null, source: 'none', version: 'none', predicted: 0, failed: failedMatches, skipped: 0 });

  const list = [...byModel.values()].sort((a, b) => b.predicted - a.predicted);
  const totals = {
    predicted: list.reduce((n, m) => n + m.predicted, 0),
    failed: list.reduce((n, m) => n + m.failed, 0),
    skipped: plan.skipped + missing + list.reduce((n, m) => n + m.skipped, 0),
  };
  const failedChunks = failures.length;
  await ctx.progress(100);
  ctx.log.info({ ...totals, chunks: plan.chunks, failedChunks, fellBack }, 'batch finished');
  return {
    batchId: ctx.jobId, planned: plan.planned,
    chunks: { total: plan.chunks, succeeded, failed: failedChunks, fellBack },
    totals, byModelVersion: list, counts: totals,
  };
}
