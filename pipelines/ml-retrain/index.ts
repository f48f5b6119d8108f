// ml-retrain: start a training on the ML service (once per job, whatever restarts happen), poll it to the
// end honouring Retry-After, and register the result in the model registry.
//
// Between polls the job defers itself (`ctx.defer`): it holds no worker while the training runs for
// hours, and waiting counts no attempt. Each run polls once, so everything that must survive lives in
// the TrainingRun row; the deadline is counted from that row's start, so neither a restart nor a defer
// extends or resets it.
import { mlBaselineFit } from '../../queues/ml-baseline-fit.js';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { mlPredictBatch } from '../../queues/ml-predict-batch.js';
import type { retrainPayload } from '../../queues/ml-retrain.js';
import type { TrainingStatus } from '../../src/generated/prisma/client.js';
import { ModelSource } from '../../src/generated/prisma/client.js';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError, RetryAfterError } from '../../src/queue/errors.js';
import { UpstreamClientError } from '../../src/upstream/errors.js';
import type { MlEngineDeps } from '../_ml/deps.js';
import { ML_SERVICE_MODEL_NAME, promote, register } from '../_ml/registry.js';
import type { MlTrainingJob } from '../_ml/schemas.js';

type Ctx = JobContext<MlEngineDeps>;
type Payload = z.output<typeof retrainPayload>;

const STATUS: Record<MlTrainingJob['status'], TrainingStatus> = { queued: 'QUEUED', running: 'RUNNING', succeeded: 'SUCCEEDED', failed: 'FAILED', cancelled: 'CANCELLED' };
const ENDED: readonly TrainingStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'GAVE_UP'];

export async function run(p: Payload, ctx: Ctx) {
  const { db, ml, config } = ctx.deps;
  if (!ml) {
    ctx.log.info(`ML_SERVICE_URL is not set: no service to retrain (${mlBaselineFit.name} refits the baseline)`);
    return { skipped: 'ML_SERVICE_URL is not set', counts: {} };
  }
  const runKey = await trainingRunKey(ctx);
  const runRow = await db.trainingRun.upsert({ where: { jobId: runKey }, create: { jobId: runKey, reason: p.reason }, update: {} });
  if (runRow.status === 'SUCCEEDED') return { trainingRunId: runRow.id, serviceJobId: runRow.serviceJobId, modelVersionId: runRow.modelVersionId, resumed: true, counts: {} };
  if (ENDED.includes(runRow.status)) throw new NonRetryableError(`training run ${runRow.id} already ended ${runRow.status}${runRow.error ? `: ${runRow.error}` : ''}`);

  let serviceJobId = runRow.serviceJobId;
  if (serviceJobId) {
    ctx.log.info({ serviceJobId, attempt: ctx.attempt }, 'resuming the poll of a training started earlier');
  } else {
    // The Idempotency-Key (the run's key) makes the service return the same training if an earlier
    // attempt died between this call and the write below.
    const started = await ml.startTraining({ reason: p.reason, params: p.params, promote: p.promote }, runKey, { signal: ctx.signal, requestId: ctx.jobId }).catch(async (err) => {
      // A refused request (4xx) will be refused again: record it; anything else is retried.
      if (err instanceof NonRetryableError) await db.trainingRun.update({ where: { id: runRow.id }, data: { status: 'FAILED', error: err.message, finishedAt: new Date() } });
      throw err;
    });
    serviceJobId = started.jobId;
    await db.trainingRun.update({ where: { id: runRow.id }, data: { serviceJobId, status: 'QUEUED' } });
    ctx.log.info({ serviceJobId, existing: started.existing }, started.existing ? 'a training was already running: polling it' : 'training started');
  }

  const deadline = runRow.startedAt.getTime() + config.RETRAIN_MAX_DURATION_MS;
  const polled = await pollOnce(ctx, runRow, serviceJobId);
  if ('done' in polled) return registerResult(ctx, runRow.id, serviceJobId, polled.done);
  const left = deadline - Date.now();
  if (left <= 0) return giveUp(ctx, runRow.id, serviceJobId, polled.status);
  return ctx.defer(Math.min(polled.waitMs, left), { reason: `training ${serviceJobId} is ${polled.status || 'not answering'}` });
}

/**
 * The TrainingRun key of this job: "<job id>.<random>", fixed on the first attempt and kept in Redis next
 * to the job. The job id alone is not enough: BullMQ ids restart at 1 when Redis is emptied, and a new
 * job must then not find an old run (or an old training through the same Idempotency-Key).
 */
async function trainingRunKey(ctx: Ctx): Promise<string> {
  const { redis, config } = ctx.deps;
  const key = `${config.QUEUE_PREFIX}:ml:retrain-run:${ctx.jobId}`;
  const fresh = `${ctx.jobId}.${randomBytes(4).toString('hex')}`;
  await redis.set(key, fresh, 'EX', 30 * 86_400, 'NX');
  return (await redis.get(key)) ?? fresh;
}

/** One poll of the training: its result when it succeeded, else how long to wait before the next poll. */
async function pollOnce(
  ctx: Ctx,
  runRow: { id: number; status: TrainingStatus; progress: number | null },
  serviceJobId: string,
): Promise<{ done: MlTrainingJob } | { waitMs: number; status: string }> {
  const { db, ml, config } = ctx.deps;
  const runId = runRow.id;
  let waitMs = config.RETRAIN_POLL_MS;
  try {
    const job = await ml!.trainingJob(serviceJobId, { signal: ctx.signal, requestId: ctx.jobId });
    const progress = job.progress ?? (job.status === 'succeeded' ? 1 : 0);
    if (STATUS[job.status] !== runRow.status || progress !== runRow.progress) {
      await db.trainingRun.update({ where: { id: runId }, data: { status: STATUS[job.status], progress } });
      await ctx.progress(Math.round(progress * 100));
    }
    if (job.status === 'succeeded') return { done: job };
    if (job.status === 'failed' || job.status === 'cancelled') {
      const error = job.error ? `${job.error.code}: ${job.error.message}` : job.status;
      await db.trainingRun.update({ where: { id: runId }, data: { status: STATUS[job.status], error, finishedAt: new Date() } });
      // Retrying would find the same training (same Idempotency-Key): a new retrain job is the fix.
      throw new NonRetryableError(`training ${serviceJobId} ${job.status}: ${error}`);
    }
    if (job.retryAfterMs) waitMs = Math.max(waitMs, job.retryAfterMs);
    return { waitMs, status: job.status };
  } catch (err) {
    if (err instanceof NonRetryableError && !(err instanceof UpstreamClientError)) throw err;
    if (err instanceof UpstreamClientError) {
      // 404: the service no longer knows the training (its state was lost); polling cannot recover it.
      await db.trainingRun.update({ where: { id: runId }, data: { status: 'FAILED', error: err.message, finishedAt: new Date() } });
      throw err;
    }
    if (ctx.signal.aborted) throw err;
    // A failed poll is not a failed training: keep polling until the deadline.
    if (err instanceof RetryAfterError) waitMs = Math.max(waitMs, err.delayMs);
    ctx.log.warn({ err: (err as Error).message, serviceJobId }, 'could not poll the training; trying again');
    return { waitMs, status: runRow.status.toLowerCase() };
  }
}

async function giveUp(ctx: Ctx, runId: number, serviceJobId: string, lastStatus: string): Promise<never> {
  const { db, config, mlMetrics } = ctx.deps;
  const error = `gave up after ${config.RETRAIN_MAX_DURATION_MS} ms (RETRAIN_MAX_DURATION_MS); training ${serviceJobId} was ${lastStatus || 'not answering'}`;
  await db.trainingRun.update({ where: { id: runId }, data: { status: 'GAVE_UP', error, finishedAt: new Date() } });
  mlMetrics.retrainGaveUp.inc();
  ctx.log.error({ serviceJobId, maxDurationMs: config.RETRAIN_MAX_DURATION_MS, lastStatus, alert: 'ml-retrain-gave-up' }, 'ALERT: retraining gave up');
  throw new NonRetryableError(error);
}

async function registerResult(ctx: Ctx, runId: number, serviceJobId: string, job: MlTrainingJob) {
  const { db, ml, mlJobs } = ctx.deps;
  const result = job.result!;
  // Best effort: /models/info knows the model's name and training window; the registry row does not need them.
  const info = await ml!.modelsInfo({ signal: ctx.signal, requestId: ctx.jobId }).catch(() => null);
  const active = info?.active?.version === result.modelVersion ? info.active : null;
  const day = (d: string | null | undefined) => (d && !Number.isNaN(Date.parse(d)) ? new Date(d) : null);
  const reg = await register(
    db,
    {
      source: ModelSource.ML_SERVICE, name: active?.modelName ?? ML_SERVICE_MODEL_NAME, version: result.modelVersion,
      metrics: { ...result.metrics, trainingJobId: serviceJobId, previousVersion: result.previousVersion },
      trainedFrom: day(active?.trainingFrom), trainedTo: day(active?.trainingTo),
    },
    () => false, // a CANDIDATE, unless the service itself says it promoted it
  );
  let version = reg.version;
  let repredict: { queue: string; id: string } | null = null;
  if (result.promoted) {
    const promoted = await promote(db, version.id);
    version = promoted.version;
    const batch = await mlJobs.repredictUpcoming(`repredict-model-${version.id}-${version.promotedAt!.getTime()}`, version.version);
    repredict = { queue: mlPredictBatch.name, id: batch.id };
  }
  await db.trainingRun.update({ where: { id: runId }, data: { status: 'SUCCEEDED', progress: 1, modelVersionId: version.id, finishedAt: new Date() } });
  ctx.log.info({ serviceJobId, version: version.version, stage: version.stage, promoted: result.promoted }, 'retraining registered');
  return {
    trainingRunId: runId, serviceJobId, modelVersionId: version.id, version: version.version, stage: version.stage,
    promoted: result.promoted, metrics: result.metrics, repredict, counts: { registered: Number(reg.created) },
  };
}
