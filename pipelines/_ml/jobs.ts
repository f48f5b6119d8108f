// What the prediction features put on queues beyond a plain enqueue, on the engine's primitives: batch
// flows (parent + plan child, then chunk children added by the plan in waves), batch progress, the
// per-match debounce and the drift-retrain throttle. Used by the HTTP routes and by pipelines alike.
import type { RedisClient } from '../../src/redis.js';
import type { z } from 'zod';
import { mlPredictBatch, type PredictionSelection } from '../../queues/ml-predict-batch.js';
import { mlPredictChunk } from '../../queues/ml-predict-chunk.js';
import { mlPredictPlan } from '../../queues/ml-predict-plan.js';
import { mlRepredictMatch } from '../../queues/ml-repredict-match.js';
import { mlRetrain, type retrainPayload } from '../../queues/ml-retrain.js';
import type { Flows } from '../../src/queue/flows.js';
import type { Producer } from '../../src/queue/producer.js';

export const planJobId = (batchId: string) => `${batchId}-plan`;
export const chunkJobId = (batchId: string, index: number) => `${batchId}-c${index}`;
/** "Upcoming matches" re-predicted after a promotion, a rollback or a refitted baseline. */
export const REPREDICT_HORIZON_DAYS = 14;
/** Batch bookkeeping in Redis lives a week: longer than any batch runs, bounded anyway. */
const BATCH_STATE_TTL_SECONDS = 7 * 86_400;

export interface BatchPlan {
  chunks: number[][];
  /** Selected matches that cannot be predicted (unknown ids, placeholder teams). */
  skipped: number;
}

export interface MlJobsEnv {
  redis: RedisClient;
  prefix: string;
  flows: Flows;
  enqueue: Producer['enqueue'];
}

const batchRef = (batchId: string) => ({ def: mlPredictBatch, jobId: batchId });

export class MlJobs {
  constructor(private readonly env: MlJobsEnv) {}

  private key(...parts: string[]) {
    return [this.env.prefix, 'ml', ...parts].join(':');
  }

  /**
   * Creates the flow of one batch: the parent (which summarises) with the plan job as its first child.
   * The plan adds the chunks to the same parent, so the parent runs once all of them are done. A batch id
   * is submitted once: a repeat (same Idempotency-Key, a retried promotion) returns `created: false`.
   */
  submitBatch(selection: PredictionSelection, batchId: string, o: { signal?: AbortSignal } = {}): Promise<{ id: string; created: boolean }> {
    return this.env.flows.submit(
      { def: mlPredictBatch, payload: selection, jobId: batchId },
      // A plan that fails for good fails the batch: there is nothing to summarise.
      [{ def: mlPredictPlan, payload: { batchId, selection }, jobId: planJobId(batchId), onFailure: 'fail-parent' }],
      o,
    );
  }

  /**
   * Stores a batch's plan once; a retried plan job reuses the first one, so chunk i always holds the same
   * matches (a "next N days" selection resolved a minute later could differ).
   */
  async fixPlan(batchId: string, plan: BatchPlan): Promise<BatchPlan> {
    const key = this.key('batch', batchId, 'plan');
    await this.env.redis.set(key, JSON.stringify(plan), 'EX', BATCH_STATE_TTL_SECONDS, 'NX');
    return (await this.storedPlan(batchId)) ?? plan;
  }

  async storedPlan(batchId: string): Promise<BatchPlan | null> {
    const stored = await this.env.redis.get(this.key('batch', batchId, 'plan'));
    return stored ? (JSON.parse(stored) as BatchPlan) : null;
  }

  /**
   * Adds the chunk jobs to the batch: the first `firstWave` at once, so they start calling while the
   * rest are added. The batch cannot summarise in between: the plan job adding them is itself one of its
   * children, still running. A chunk that fails for good must not strand the batch: the parent still
   * summarises, counting it.
   */
  addChunks(batchId: string, chunks: number[][], modelVersion: string | null, firstWave = chunks.length): Promise<void> {
    const children = chunks.map((matchIds, index) => ({
      def: mlPredictChunk, payload: { batchId, index, count: chunks.length, matchIds, modelVersion }, jobId: chunkJobId(batchId, index),
    }));
    return this.env.flows.addChildren(batchRef(batchId), children, { firstWave });
  }

  /** Marks a chunk done and moves the batch's progress to the share of chunks done (0–100). */
  chunkDone(batchId: string, index: number, count: number): Promise<number> {
    return this.env.flows.childDone(batchRef(batchId), String(index), count);
  }

  /** Re-predicts the upcoming matches with `modelVersion`; the batch id makes a repeat a no-op. */
  repredictUpcoming(batchId: string, modelVersion?: string, o: { signal?: AbortSignal } = {}): Promise<{ id: string; created: boolean }> {
    return this.submitBatch({ scheduledWithinDays: REPREDICT_HORIZON_DAYS, ...(modelVersion ? { modelVersion } : {}) }, batchId, o);
  }

  /**
   * Debounced re-prediction of one match: a burst of events within `debounceMs` gives one job, run
   * `debounceMs` after the last event; one arriving while that job runs is kept and runs after it.
   */
  async repredictDebounced(matchId: number, kind: string, debounceMs: number): Promise<string> {
    const { id } = await this.env.enqueue(mlRepredictMatch, { matchId, kind }, { debounce: { id: `repredict-${matchId}`, ttlMs: debounceMs } });
    return id;
  }

  /** A drift alert starts a retraining at most once per cooldown. */
  async retrainOnDrift(trigger: Record<string, unknown>, cooldownMs: number, promote: z.input<typeof retrainPayload>['promote'] = 'if_better'): Promise<string> {
    const { id } = await this.env.enqueue(mlRetrain, { reason: 'drift', trigger, promote }, { throttle: { id: 'retrain-drift', ttlMs: cooldownMs } });
    return id;
  }
}
