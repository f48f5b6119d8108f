// The wrapper every job runs through: re-validate the payload, give the pipeline a job-scoped logger and
// an AbortSignal (timeout, cancel, shutdown), record metrics, classify failures, dead-letter final ones.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Handler, QueueDefinition } from './define.js';
import { classify, JobCancelledError, JobTimeoutError, NonRetryableError, ShutdownAbortError } from './errors.js';

export interface JobSinks {
  /** Called once when a job fails for good. Must be idempotent (a crash may replay it). */
  deadLetter(rec: { queue: string; jobId: string; jobName: string; payload: unknown; error: Error; attempts: number }): Promise<void>;
  pipelineRun?(rec: { queue: string; jobId: string; attempt: number; ok: boolean; startedAt: Date; finishedAt: Date; counts: unknown; error?: string }): Promise<void>;
  scheduleRan?(queue: string, rec: { at: number; jobId: string; outcome: string }): Promise<void>;
}

export interface RunJobOptions {
  def: QueueDefinition;
  handler: Handler<unknown, unknown, unknown>;
  deps: unknown;
  log: Logger;
  metrics: Metrics;
  sinks: JobSinks;
  /** Aborted by the engine at the shutdown deadline. */
  shutdownSignal: AbortSignal;
  /** The schedule period in ms when the queue is scheduled (for the missed-tick policy). */
  schedulePeriodMs?: number;
}

const CANCEL_PREFIX = 'cancel:';

export function createJobRunner(o: RunJobOptions) {
  const { def, metrics, sinks } = o;
  const queue = def.name;
  const maxAttempts = def.retry.attempts;

  async function run(job: Job, signal?: AbortSignal): Promise<unknown> {
    const attempt = job.attemptsMade + 1;
    const startedAt = Date.now();
    const log = o.log.child({ queue, jobId: job.id, attempt });
    const scheduled = Boolean(job.repeatJobKey);

    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success) {
      const msg = `invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
      return fail(job, log, new NonRetryableError(msg), startedAt, attempt);
    }

    if (scheduled && def.schedule?.missed === 'skip' && o.schedulePeriodMs) {
      const due = job.timestamp + (job.opts.delay ?? 0);
      if (startedAt - due > o.schedulePeriodMs) {
        metrics.scheduleMissedTicks.inc({ queue });
        log.warn({ lateMs: startedAt - due }, 'skipping a missed scheduled tick');
        await sinks.scheduleRan?.(queue, { at: startedAt, jobId: String(job.id), outcome: 'skipped-missed' });
        return { skipped: 'missed-tick' };
      }
    }

    const controller = new AbortController();
    const abort = (reason: Error) => !controller.signal.aborted && controller.abort(reason);
    const timer = setTimeout(() => abort(new JobTimeoutError(`timed out after ${def.timeoutMs} ms`)), def.timeoutMs);
    const onCancel = () => {
      const reason = String(signal?.reason ?? '');
      abort(reason.startsWith(CANCEL_PREFIX) ? new JobCancelledError(reason.slice(CANCEL_PREFIX.length) || 'cancelled') : new ShutdownAbortError('worker closing'));
    };
    const onShutdown = () => abort(new ShutdownAbortError('shutdown deadline passed'));
    signal?.addEventListener('abort', onCancel, { once: true });
    o.shutdownSignal.addEventListener('abort', onShutdown, { once: true });
    if (o.shutdownSignal.aborted) onShutdown();

    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(() => {}); // observed by the race below; avoid an unhandled rejection when the handler wins

    try {
      const result = await Promise.race([
        o.handler(parsed.data, {
          queue,
          jobId: String(job.id),
          attempt,
          log,
          signal: controller.signal,
          progress: (value) => job.updateProgress(value),
          deps: o.deps,
        }),
        aborted,
      ]);
      metrics.jobDuration.observe({ queue, outcome: 'completed' }, (Date.now() - startedAt) / 1000);
      metrics.jobsCompleted.inc({ queue });
      if (def.recordRuns) {
        await sinks.pipelineRun?.({ queue, jobId: String(job.id), attempt, ok: true, startedAt: new Date(startedAt), finishedAt: new Date(), counts: countsOf(result) });
      }
      if (scheduled) await sinks.scheduleRan?.(queue, { at: startedAt, jobId: String(job.id), outcome: 'completed' });
      return result;
    } catch (err) {
      return fail(job, log, err, startedAt, attempt);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
      o.shutdownSignal.removeEventListener('abort', onShutdown);
    }
  }

  async function fail(job: Job, log: Logger, thrown: unknown, startedAt: number, attempt: number): Promise<never> {
    const c = classify(thrown);
    const final = c.kind === 'non-retryable' || attempt >= maxAttempts;
    metrics.jobDuration.observe({ queue, outcome: final ? 'failed' : 'retried' }, (Date.now() - startedAt) / 1000);
    const error = c.error;
    if (def.recordRuns) {
      await sinks.pipelineRun?.({ queue, jobId: String(job.id), attempt, ok: false, startedAt: new Date(startedAt), finishedAt: new Date(), counts: {}, error: error.message }).catch((e) => log.error({ err: e }, 'could not record the pipeline run'));
    }
    if (final) {
      metrics.jobsFailed.inc({ queue });
      log.error({ err: error, kind: c.kind }, 'job failed for good');
      await sinks.deadLetter({ queue, jobId: String(job.id), jobName: job.name, payload: job.data, error, attempts: attempt });
      metrics.jobsDeadLettered.inc({ queue });
      if (job.repeatJobKey) await sinks.scheduleRan?.(queue, { at: startedAt, jobId: String(job.id), outcome: 'failed' });
      if (c.kind === 'non-retryable') throw new UnrecoverableError(`${error.name}: ${error.message}`);
      throw error;
    }
    metrics.jobsRetried.inc({ queue });
    log.warn({ err: error, kind: c.kind, ...(c.kind === 'retry-after' ? { retryAfterMs: c.delayMs } : {}) }, 'job attempt failed; will retry');
    throw error;
  }

  return run;
}

function countsOf(result: unknown): unknown {
  return result && typeof result === 'object' && 'counts' in result ? (result as { counts: unknown }).counts : {};
}

export const cancelReason = (why: string) => `${CANCEL_PREFIX}${why}`;
