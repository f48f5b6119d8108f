// What the prediction pipelines get besides the engine's deps (wired through `extendDeps`):
// `ml` (the ML service client, or null when ML_SERVICE_URL is unset) and the per-process helpers.
import { Queue } from 'bullmq';
import { Counter } from 'prom-client';
import { mlBaselineFit } from '../../queues/ml-baseline-fit.js';
import { mlPredictBatch } from '../../queues/ml-predict-batch.js';
import { mlPredictChunk } from '../../queues/ml-predict-chunk.js';
import { mlPredictPlan } from '../../queues/ml-predict-plan.js';
import { mlRepredictMatch } from '../../queues/ml-repredict-match.js';
import { mlRetrain } from '../../queues/ml-retrain.js';
import type { EngineDeps } from '../../src/engine.js';
import { METRIC_PREFIX } from '../../src/metrics.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import { jobOptions } from '../../src/queue/producer.js';
import type { BreakerOptions } from '../../src/upstream/breaker.js';
import { BaselineCache } from './baseline.js';
import { ML_TIMEOUTS_MS, ML_UPSTREAM, MlServiceClient } from './client.js';
import { CallSlots } from './call-slots.js';
import { MlJobs } from './jobs.js';
import type { VersionRef } from './registry.js';
import type { Cutoffs } from './store.js';

/** The prediction queues, for queues/index.ts. */
export const mlQueues: readonly QueueDefinition[] = [mlPredictBatch, mlPredictPlan, mlPredictChunk, mlRepredictMatch, mlRetrain, mlBaselineFit];

export interface MlDepsOptions {
  /** Circuit breaker of the ML service client (tests use small windows). */
  breaker?: Partial<BreakerOptions>;
  /** The definitions the engine runs, when they differ from queues/ml-*.ts (tests: faster retries). */
  queues?: readonly QueueDefinition[];
}

export interface MlMetrics {
  retrainGaveUp: Counter;
  predictions: Counter<'source'>;
  fallbacks: Counter<'reason'>;
}

export interface MlDeps {
  ml: MlServiceClient | null;
  /** PREDICT_CONCURRENCY batch-predict calls in flight, across all replicas. */
  mlCallSlots: CallSlots;
  mlJobs: MlJobs;
  mlBaselines: BaselineCache;
  /** Registry ids of the ML service's versions, by version string (rows never change id). */
  mlServiceVersions: Map<string, number>;
  /** Registry rows by requested version string (see findVersion). */
  mlVersions: Map<string, VersionRef>;
  mlCutoffs: Cutoffs;
  mlMetrics: MlMetrics;
}

export type MlEngineDeps = EngineDeps & MlDeps;

function createMetrics(base: EngineDeps): MlMetrics {
  const registers = [base.metrics.registry];
  const p = METRIC_PREFIX;
  return {
    retrainGaveUp: new Counter({ name: `${p}ml_retrain_gave_up_total`, help: 'Retrainings given up after RETRAIN_MAX_DURATION_MS (alert on any increase)', registers }),
    predictions: new Counter({ name: `${p}ml_predictions_total`, help: 'Predictions stored, by the source of the model that made them', labelNames: ['source'] as const, registers }),
    fallbacks: new Counter({ name: `${p}ml_baseline_fallbacks_total`, help: 'Prediction runs answered by the baseline because the ML service was unavailable, by reason', labelNames: ['reason'] as const, registers }),
  };
}

export function createMlDeps(base: EngineDeps, o: MlDepsOptions = {}): MlDeps {
  const { config, log } = base;
  const defs = new Map((o.queues ?? mlQueues).map((d) => [d.name, d]));
  const def = (name: string) => {
    const d = defs.get(name);
    if (!d) throw new Error(`unknown prediction queue "${name}"`);
    return d;
  };
  // Queue objects on the engine's shared connection (commands wait across reconnects, as pipelines
  // should); they own no connection, so nothing needs closing when the engine closes it.
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: base.redis, prefix: config.QUEUE_PREFIX, defaultJobOptions: jobOptions(def(name)) });
      q.on('error', (err) => log.debug({ err: err.message, queue: name }, 'prediction queue error'));
      queues.set(name, q);
    }
    return q;
  };
  const retrainTimeout = def('ml-retrain').timeoutMs;
  if (config.RETRAIN_MAX_DURATION_MS > retrainTimeout) {
    log.warn({ RETRAIN_MAX_DURATION_MS: config.RETRAIN_MAX_DURATION_MS, queueTimeoutMs: retrainTimeout }, 'RETRAIN_MAX_DURATION_MS exceeds the ml-retrain timeout, which caps it');
  }

  const ml = config.ML_SERVICE_URL
    ? new MlServiceClient(
        base.upstream({
          name: ML_UPSTREAM,
          baseUrl: config.ML_SERVICE_URL,
          // One connection per call slot; a few more for status and training calls.
          connections: config.PREDICT_CONCURRENCY + 2,
          requestTimeoutMs: ML_TIMEOUTS_MS.batch,
          headersTimeoutMs: ML_TIMEOUTS_MS.batch,
          bodyTimeoutMs: ML_TIMEOUTS_MS.batch,
          headers: config.ML_SERVICE_TOKEN ? { authorization: `Bearer ${config.ML_SERVICE_TOKEN}` } : {},
          ...(o.breaker ? { breaker: o.breaker } : {}),
        }),
      )
    : null;

  return {
    ml,
    mlCallSlots: new CallSlots(base.redis, `${config.QUEUE_PREFIX}:ml:call-slots`, config.PREDICT_CONCURRENCY, ML_TIMEOUTS_MS.batch + 5_000),
    mlJobs: new MlJobs({ redis: base.redis, prefix: config.QUEUE_PREFIX, flows: base.flows, def, queue, idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS }),
    mlBaselines: new BaselineCache(),
    mlServiceVersions: new Map(),
    mlVersions: new Map(),
    mlCutoffs: config.CONFIDENCE_CUTOFFS,
    mlMetrics: createMetrics(base),
  };
}
