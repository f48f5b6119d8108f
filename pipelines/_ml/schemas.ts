// The ML service's wire format (contracts.md §5), validated with zod and mapped to camelCase only after
// validation. One schema per response gives both the runtime check and the TypeScript type.
import { z } from 'zod';

const SUM_TOLERANCE = 1e-6;
const unit = z.number().min(0).max(1);
const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 timestamp');
const matchId = z.string().regex(/^\d+$/, 'must be a numeric id as a string');

const probabilities = z.object({ home: unit, draw: unit, away: unit }).superRefine((p, ctx) => {
  const sum = p.home + p.draw + p.away;
  if (Math.abs(sum - 1) > SUM_TOLERANCE) ctx.addIssue({ code: 'custom', message: `probabilities sum to ${sum}, not 1 ± ${SUM_TOLERANCE}` });
});

const goals = z.object({ home: z.number().min(0), away: z.number().min(0) });
const score = z.object({ home: z.number().int().min(0), away: z.number().int().min(0) });

export const OUTCOMES = ['HOME', 'DRAW', 'AWAY'] as const;
export type OutcomeName = (typeof OUTCOMES)[number];

const prediction = z
  .object({
    match_id: matchId,
    probabilities,
    expected_goals: goals.nullish(),
    predicted_outcome: z.enum(OUTCOMES),
    confidence: unit,
    confidence_level: z.string().nullish(),
    most_likely_score: score.nullish(),
    model_version: z.string().min(1).nullish(),
  })
  .superRefine((p, ctx) => {
    const { home, draw, away } = p.probabilities;
    const max = Math.max(home, draw, away);
    if (Math.abs(p.confidence - max) > SUM_TOLERANCE) ctx.addIssue({ code: 'custom', path: ['confidence'], message: `is ${p.confidence}, not max(home, draw, away) = ${max}` });
    const byOutcome = { HOME: home, DRAW: draw, AWAY: away };
    if (byOutcome[p.predicted_outcome] < max - SUM_TOLERANCE) ctx.addIssue({ code: 'custom', path: ['predicted_outcome'], message: `${p.predicted_outcome} is not the most likely outcome` });
  });

const predictionError = z.object({
  match_id: matchId,
  code: z.string().min(1),
  message: z.string().default(''),
  retryable: z.boolean().default(false),
});

export const batchPredictResponse = z
  .object({
    model_version: z.string().min(1),
    generated_at: isoTime,
    predictions: z.array(prediction),
    errors: z.array(predictionError).default([]),
  })
  .transform((r) => ({
    modelVersion: r.model_version,
    generatedAt: r.generated_at,
    predictions: r.predictions.map((p) => ({
      matchId: Number(p.match_id),
      home: p.probabilities.home,
      draw: p.probabilities.draw,
      away: p.probabilities.away,
      xgHome: p.expected_goals?.home ?? null,
      xgAway: p.expected_goals?.away ?? null,
      predictedOutcome: p.predicted_outcome,
      confidence: p.confidence,
      mostLikelyScore: p.most_likely_score ?? null,
      modelVersion: p.model_version ?? r.model_version,
    })),
    errors: r.errors.map((e) => ({ matchId: Number(e.match_id), code: e.code, message: e.message, retryable: e.retryable })),
  }));
export type BatchPredictResult = z.output<typeof batchPredictResponse>;
export type ServicePrediction = BatchPredictResult['predictions'][number];

export const healthResponse = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    service: z.string().optional(),
    version: z.string().optional(),
    uptime_s: z.number().optional(),
    model_loaded: z.boolean(),
    active_model_version: z.string().nullish(),
    training_in_progress: z.boolean().default(false),
    checks: z.record(z.string(), z.string()).default({}),
    time: isoTime.optional(),
  })
  .transform((h) => ({
    status: h.status, service: h.service ?? null, version: h.version ?? null, uptimeSeconds: h.uptime_s ?? null, modelLoaded: h.model_loaded,
    activeModelVersion: h.active_model_version ?? null, trainingInProgress: h.training_in_progress, checks: h.checks, time: h.time ?? null,
  }));
export type MlHealth = z.output<typeof healthResponse>;

const metrics = z.record(z.string(), z.union([z.number(), z.string(), z.null()]));

const modelEntry = z.object({ version: z.string().min(1), stage: z.string().optional(), trained_at: isoTime.nullish(), metrics: metrics.default({}) });

export const modelsInfoResponse = z
  .object({
    active: z
      .object({
        model_name: z.string().min(1),
        version: z.string().min(1),
        stage: z.string().optional(),
        algorithm: z.string().optional(),
        trained_at: isoTime.nullish(),
        training_data: z.object({ from: z.string().nullish(), to: z.string().nullish(), n_matches: z.number().int().nullish() }).partial().nullish(),
        metrics: metrics.default({}),
      })
      .nullish(),
    versions: z.array(modelEntry).default([]),
  })
  .transform((i) => ({
    active: i.active
      ? {
          modelName: i.active.model_name, version: i.active.version, stage: i.active.stage ?? null, algorithm: i.active.algorithm ?? null,
          trainedAt: i.active.trained_at ?? null, trainingFrom: i.active.training_data?.from ?? null, trainingTo: i.active.training_data?.to ?? null,
          metrics: i.active.metrics,
        }
      : null,
    versions: i.versions.map((v) => ({ version: v.version, stage: v.stage ?? null, trainedAt: v.trained_at ?? null, metrics: v.metrics })),
  }));
export type MlModelsInfo = z.output<typeof modelsInfoResponse>;

const trainingStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export const modelsStatusResponse = z
  .object({
    active_version: z.string().nullish(),
    loaded: z.boolean(),
    training: z.object({ job_id: z.string().min(1), status: trainingStatus, progress: unit.nullish() }).nullish(),
    last_training: z.object({ job_id: z.string().min(1), status: trainingStatus, model_version: z.string().nullish(), promoted: z.boolean().nullish() }).nullish(),
  })
  .transform((s) => ({
    activeVersion: s.active_version ?? null,
    loaded: s.loaded,
    training: s.training ? { jobId: s.training.job_id, status: s.training.status, progress: s.training.progress ?? null } : null,
    lastTraining: s.last_training ? { jobId: s.last_training.job_id, status: s.last_training.status, modelVersion: s.last_training.model_version ?? null, promoted: s.last_training.promoted ?? null } : null,
  }));
export type MlModelsStatus = z.output<typeof modelsStatusResponse>;

export const trainAccepted = z
  .object({ job_id: z.string().min(1), status: trainingStatus, created_at: isoTime.optional() })
  .transform((t) => ({ jobId: t.job_id, status: t.status }));

/** 409 body: `{"detail": {"code": "TRAINING_IN_PROGRESS", "job_id": "…"}}`. */
export const trainingInProgress = z.object({ detail: z.object({ code: z.literal('TRAINING_IN_PROGRESS'), job_id: z.string().min(1) }) });

export const trainingJobResponse = z
  .object({
    job_id: z.string().min(1),
    status: trainingStatus,
    stage: z.string().nullish(),
    progress: unit.nullish(),
    result: z
      .object({ model_version: z.string().min(1), metrics: metrics.default({}), promoted: z.boolean().default(false), previous_version: z.string().nullish() })
      .nullish(),
    error: z.object({ code: z.string(), message: z.string().default('') }).nullish(),
  })
  .superRefine((t, ctx) => {
    if (t.status === 'succeeded' && !t.result) ctx.addIssue({ code: 'custom', path: ['result'], message: 'required when status is succeeded' });
  })
  .transform((t) => ({
    jobId: t.job_id,
    status: t.status,
    stage: t.stage ?? null,
    progress: t.progress ?? null,
    result: t.result ? { modelVersion: t.result.model_version, metrics: t.result.metrics, promoted: t.result.promoted, previousVersion: t.result.previous_version ?? null } : null,
    error: t.error ?? null,
  }));
export type MlTrainingJob = z.output<typeof trainingJobResponse>;
