// Everything the prediction features put on queues beyond a plain enqueue: batch flows (parent + plan
// child, then chunk children added by the plan), batch progress, the per-match debounce and the
// drift-retrain cooldown. Used by the HTTP routes (on the API's fail-fast connection) and by pipelines
// (on the engine's shared connection) alike.
import type { FlowProducer, Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { PredictionSelection } from '../../queues/ml-predict-batch.js';
import type { retrainPayload } from '../../queues/ml-retrain.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import { jobOptions } from '../../src/queue/producer.js';

export const Q = {
  batch: 'ml-predict-batch',
  plan: 'ml-predict-plan',
  chunk: 'ml-predict-chunk',
  repredict: 'ml-repredict-match',
  retrain: 'ml-retrain',
  baselineFit: 'ml-baseline-fit',
} as const;

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
  redis: Redis;
  prefix: string;
  flows: FlowProducer;
  def(name: string): QueueDefinition;
  queue(name: string): Queue;
  /** How long a submitted batch id is remembered (IDEMPOTENCY_TTL_SECONDS). */
  idempotencyTtlSeconds: number;
}

export class MlJobs {
  private concurrencySet?: number;

  constructor(private readonly env: MlJobsEnv) {}

  private key(...parts: string[]) {
    return [this.env.prefix, 'ml', ...parts].join(':');
  }

  /**
   * Creates the flow of one batch: the parent (which summarises) with the plan job as its first child.
   * The plan adds the chunks to the same parent, so the parent runs once all of them are done. A batch id
   * is submitted once: a repeat (same Idempotency-Key, a retried promotion) returns `created: false`.
   */
  async submitBatch(selection: PredictionSelection, batchId: string): Promise<{ id: string; created: boolean }> {
    const batch = this.env.def(Q.batch);
    const plan = this.env.def(Q.plan);
    const data = batch.payload.parse(selection);
    const planData = plan.payload.parse({ batchId, selection: data });
    const guard = this.key('batch', batchId, 'submitted');
    if (!(await this.env.redis.set(guard, '1', 'EX', this.env.idempotencyTtlSeconds, 'NX'))) return { id: batchId, created: false };
    try {
      await this.env.flows.add({
        name: Q.batch, queueName: Q.batch, data, opts: { ...jobOptions(batch), jobId: batchId },
        // A plan that fails for good fails the batch: there is nothing to summarise.
        children: [{ name: Q.plan, queueName: Q.plan, data: planData, opts: { ...jobOptions(plan), jobId: planJobId(batchId), failParentOnFailure: true } }],
      });
    } catch (err) {
      await this.env.redis.del(guard).catch(() => {});
      throw err;
    }
    return { id: batchId, created: true };
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

  maxAttempts(queue: string): number {
    return this.env.def(queue).retry.attempts;
  }

  /**
   * Adds the chunk jobs to the batch: the first `firstWave` in one transaction, so they start calling
   * while the rest are added in a second. The batch cannot summarise in between: the plan job adding
   * them is itself one of its children, still running. Deterministic ids make a repeat a no-op.
   */
  async addChunks(batchId: string, chunks: number[][], modelVersion: string | null, firstWave = chunks.length): Promise<void> {
    if (!chunks.length) return;
    const def = this.env.def(Q.chunk);
    const parent = { id: batchId, queue: `${this.env.prefix}:${Q.batch}` };
    const jobs = chunks.map((matchIds, index) => ({
      name: Q.chunk,
      queueName: Q.chunk,
      data: def.payload.parse({ batchId, index, count: chunks.length, matchIds, modelVersion }),
      // A chunk that fails for good must not strand the batch: the parent still summarises, counting it.
      opts: { ...jobOptions(def), jobId: chunkJobId(batchId, index), parent, ignoreDependencyOnFailure: true },
    }));
    const head = Math.max(1, Math.min(firstWave, jobs.length));
    await this.env.flows.addBulk(jobs.slice(0, head));
    if (head < jobs.length) await this.env.flows.addBulk(jobs.slice(head));
  }

  /** Bounds in-flight chunk jobs across every replica (BullMQ global concurrency, kept in Redis). */
  async setChunkConcurrency(n: number): Promise<void> {
    if (this.concurrencySet === n) return;
    await this.env.queue(Q.chunk).setGlobalConcurrency(n);
    this.concurrencySet = n;
  }

  /** Marks a chunk done and moves the batch's progress to the share of chunks done (0–100). */
  async chunkDone(batchId: string, index: number, count: number): Promise<number> {
    const key = this.key('batch', batchId, 'done');
    const res = await this.env.redis.multi().sadd(key, String(index)).scard(key).expire(key, BATCH_STATE_TTL_SECONDS).exec();
    const done = Number(res?.[1]?.[1] ?? 0);
    const percent = Math.min(100, Math.floor((100 * done) / count));
    await this.env.queue(Q.batch).updateJobProgress(batchId, percent);
    return percent;
  }

  /** Re-predicts the upcoming matches with `modelVersion`; the batch id makes a repeat a no-op. */
  repredictUpcoming(batchId: string, modelVersion?: string): Promise<{ id: string; created: boolean }> {
    return this.submitBatch({ scheduledWithinDays: REPREDICT_HORIZON_DAYS, ...(modelVersion ? { modelVersion } : {}) }, batchId);
  }

  batchJob(id: string): Promise<Job | undefined> {
    return this.env.queue(Q.batch).getJob(id);
  }

  /**
   * Debounced re-prediction of one match: each event replaces the still-delayed job and restarts the
   * delay, so a burst within `debounceMs` gives one job, run `debounceMs` after the last event. An event
   * arriving while that job runs is kept and runs after it (keepLastIfActive), so none is lost.
   */
  async repredictDebounced(matchId: number, kind: string, debounceMs: number): Promise<string> {
    const def = this.env.def(Q.repredict);
    const data = def.payload.parse({ matchId, kind });
    const job = await this.env.queue(Q.repredict).add(Q.repredict, data, {
      ...jobOptions(def),
      delay: debounceMs,
      deduplication: { id: `repredict-${matchId}`, ttl: Math.max(1, debounceMs), extend: true, replace: true, keepLastIfActive: true },
    });
    return String(job.id);
  }

  /** A drift alert starts a retraining at most once per cooldown (BullMQ throttle-mode deduplication). */
  async retrainOnDrift(trigger: Record<string, unknown>, cooldownMs: number, promote: z.input<typeof retrainPayload>['promote'] = 'if_better'): Promise<string> {
    const def = this.env.def(Q.retrain);
    const data = def.payload.parse({ reason: 'drift', trigger, promote });
    const job = await this.env.queue(Q.retrain).add(Q.retrain, data, {
      ...jobOptions(def),
      deduplication: { id: 'retrain-drift', ...(cooldownMs > 0 ? { ttl: cooldownMs } : {}) },
    });
    return String(job.id);
  }
}
