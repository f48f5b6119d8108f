// What the prediction pipelines get besides the engine's deps (wired through `extendDeps`):
// `ml` (the ML service client, or null when ML_SERVICE_URL is unset) and the per-process helpers.
import { Counter } from 'prom-client';
import type { EngineDeps } from '../../src/engine.js';
import { METRIC_PREFIX } from '../../src/metrics.js';
import type { Slots } from '../../src/queue/slots.js';
import type { BreakerOptions } from '../../src/upstream/breaker.js';
import { BaselineCache } from './baseline.js';
import { ML_TIMEOUTS_MS, ML_UPSTREAM, MlServiceClient } from './client.js';
import { MlJobs } from './jobs.js';
import type { VersionRef } from './registry.js';
import type { Cutoffs, PredictionRow } from './store.js';

export interface MlDepsOptions {
  /** Circuit breaker of the ML service client (tests use small windows). */
  breaker?: Partial<BreakerOptions>;
}

export interface MlMetrics {
  retrainGaveUp: Counter;
  predictions: Counter<'source'>;
  fallbacks: Counter<'reason'>;
}

export interface MlDeps {
  ml: MlServiceClient | null;
  /** PREDICT_CONCURRENCY batch-predict calls in flight, across all replicas. */
  mlCallSlots: Slots;
  mlJobs: MlJobs;
  mlBaselines: BaselineCache;
  /** Registry ids of the ML service's versions, by version string (rows never change id). */
  mlServiceVersions: Map<string, number>;
  /** Registry rows by requested version string (see findVersion). */
  mlVersions: Map<string, VersionRef>;
  mlCutoffs: Cutoffs;
  mlMetrics: MlMetrics;
  /** Told of newly stored predictions (live streaming to the backend); set by the composition root. */
  mlOnStored?: (modelVersion: string, rows: readonly PredictionRow[]) => Promise<void>;
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
    mlCallSlots: base.slots(ML_UPSTREAM, config.PREDICT_CONCURRENCY, { leaseMs: ML_TIMEOUTS_MS.batch + 5_000 }),
    mlJobs: new MlJobs({ redis: base.redis, prefix: config.QUEUE_PREFIX, flows: base.flows, enqueue: base.enqueue }),
    mlBaselines: new BaselineCache(),
    mlServiceVersions: new Map(),
    mlVersions: new Map(),
    mlCutoffs: config.CONFIDENCE_CUTOFFS,
    mlMetrics: createMetrics(base),
  };
}
