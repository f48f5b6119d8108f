// The wrapper every job runs through: re-validate the payload, give the pipeline a job-scoped logger and
// an AbortSignal (timeout, cancel, shutdown), record metrics, classify failures, dead-letter final ones.
import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChildRef, ChildResults, Handler, JobContext, QueueDefinition } from './define.js';
import { classify, JobTimeoutError, NonRetryableError, RetryAfterError, type WaitPolicy } from './errors.js';

export interface PipelineRunRecord {
  queue: string;
  jobId: string;
  attempt: number;
  ok: boolean;
  startedAt: Date;
  finishedAt: Date;
  counts: unknown;
  error?: string;
}

export interface JobSinks {
  /** Called once when a job fails for good. Must be idempotent (a crash may replay it). */
  deadLetter(rec: { queue: string; jobId: string; jobName: string; payload: unknown; error: Error; attempts: number }): Promise<void>;
  pipelineRun?(rec: PipelineRunRecord): Promise<void>;
  scheduleRan?(queue: string, rec: { at: number; jobId: string; outcome: string }): Promise<void>;
}

export interface RunJobOptions {
  def: QueueDefinition;
  handler: Handler<unknown, unknown, unknown>;
  deps: unknown;
  log: Logger;
  metrics: Metrics;
  sinks: JobSinks;
  /** Jobs running in this process, so cancel requests and the shutdown deadline can abort them. */
  running: Map<string, RunningJob>;
  /** The schedule period in ms when the queue is scheduled (for the missed-tick policy). */
  schedulePeriodMs?: number;
  /** The queue prefix (to read children's queue and id out of their Redis keys). */
  prefix: string;
  /** For the per-job wait budget (kept in the job's own hash, so it goes when the job goes). */
  redis: Redis;
}

/** Thrown by `ctx.defer` and `ctx.waitForChildren`: the job was parked, which is neither success nor failure. */
const isParked = (err: unknown) => err instanceof DelayedError || err instanceof WaitingChildrenError;

/**
 * Adds `ARGV[1]` ms to the job's total wait (a field of the job's own hash) and returns the new total;
 * -1 when the job is gone (nothing is created for it).
 */
const ADD_WAIT = `if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HINCRBY', KEYS[1], 'engineWaitedMs', ARGV[1])`;

export const runningKey = (queue: string, jobId: string) => `${queue}\u0000${jobId}`;

/**
 * One job in flight. Its AbortController is created only when the pipeline reads `ctx.signal` or the job
 * is aborted: an AbortController per job costs more than the rest of the wrapper together (Node 20).
 */
export class RunningJob {
  private controller?: AbortController;
  private rejectRun?: (err: Error) => void;
  abortedWith?: Error;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  /** A promise that rejects when the job is aborted (for racing against the pipeline). */
  whenAborted(): Promise<never> {
    const p = new Promise<never>((_, reject) => (this.rejectRun = reject));
    p.catch(() => {}); // observed by the race; no unhandled rejection when the pipeline wins
    return p;
  }

  abort(reason: Error): void {
    if (this.abortedWith) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
    this.rejectRun?.(reason);
  }
}

class Ctx implements JobContext {
  private logger?: Logger;
  constructor(
    readonly queue: string,
    readonly jobId: string,
    readonly attempt: number,
    readonly finalAttempt: boolean,
    readonly deps: unknown,
    private readonly job: Job,
    private readonly token: string | undefined,
    private readonly running: RunningJob,
    private readonly baseLog: Logger,
    private readonly prefix: string,
    private readonly onDefer: () => void,
  ) {}
  get log(): Logger {
    return (this.logger ??= this.baseLog.child({ queue: this.queue, jobId: this.jobId, attempt: this.attempt }));
  }
  get signal(): AbortSignal {
    return this.running.signal;
  }
  get createdAt(): number {
    return this.job.timestamp;
  }
  progress(value: number | object): Promise<void> {
    return this.job.updateProgress(value);
  }
  async defer(ms: number, o: { jitterRatio?: number; reason?: string } = {}): Promise<never> {
    const jitter = o.jitterRatio ?? 0.1;
    // Jitter only lengthens the wait: an upstream's Retry-After is a minimum.
    const delayMs = Math.max(0, Math.round(ms * (1 + jitter * Math.random())));
    // moveToDelayed skips the attempt count; the lock token proves this worker still owns the job.
    await this.job.moveToDelayed(Date.now() + delayMs, this.token);
    this.onDefer();
    this.log.info({ delayMs, reason: o.reason }, 'job deferred');
    throw new DelayedError(`deferred for ${delayMs} ms${o.reason ? `: ${o.reason}` : ''}`);
  }
  async children(): Promise<ChildResults> {
    const [values, failures] = await Promise.all([this.job.getChildrenValues(), this.job.getIgnoredChildrenFailures()]);
    return {
      values: Object.entries(values).map(([key, value]) => ({ ...this.childRef(key), value })),
      failures: Object.entries(failures).map(([key, reason]) => ({ ...this.childRef(key), reason: String(reason) })),
    };
  }
  async waitForChildren(): Promise<void> {
    if (await this.job.moveToWaitingChildren(this.token ?? '')) throw new WaitingChildrenError('waiting for children');
  }
  /** `<prefix>:<queue>:<id>` → queue and id (queue names have no colon; ids may). */
  private childRef(key: string): ChildRef {
    const rest = key.startsWith(`${this.prefix}:`) ? key.slice(this.prefix.length + 1) : key;
    const colon = rest.indexOf(':');
    return { queue: rest.slice(0, colon), id: rest.slice(colon + 1) };
  }
}

export function createJobRunner(o: RunJobOptions) {
  const { def, metrics, sinks } = o;
  const queue = def.name;
  const maxAttempts = def.retry.attempts;
  // Label lookups bound once per queue, not per job.
  const durationCompleted = metrics.jobDuration.labels(queue, 'completed');
  const completed = metrics.jobsCompleted.labels(queue);

  const deferred = metrics.jobsDeferred.labels(queue);
  const onDefer = () => deferred.inc();

  async function run(job: Job, token?: string): Promise<unknown> {
    const attempt = job.attemptsMade + 1;
    const startedAt = Date.now();
    const jobId = String(job.id);
    const running = new RunningJob();
    const ctx = new Ctx(queue, jobId, attempt, attempt >= maxAttempts, o.deps, job, token, running, o.log, o.prefix, onDefer);

    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success) {
      const msg = `invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
      return fail(job, ctx, new NonRetryableError(msg), startedAt);
    }

    const scheduled = Boolean(job.repeatJobKey);
    if (scheduled && def.schedule?.missed === 'skip' && o.schedulePeriodMs) {
      const due = job.timestamp + (job.opts.delay ?? 0);
      if (startedAt - due > o.schedulePeriodMs) {
        metrics.scheduleMissedTicks.inc({ queue });
        ctx.log.warn({ lateMs: startedAt - due }, 'skipping a missed scheduled tick');
        await sinks.scheduleRan?.(queue, { at: startedAt, jobId, outcome: 'skipped-missed' });
        return { skipped: 'missed-tick' };
      }
    }

    const key = runningKey(queue, jobId);
    o.running.set(key, running);
    const timer = setTimeout(() => running.abort(new JobTimeoutError(`timed out after ${def.timeoutMs} ms`)), def.timeoutMs);
    try {
      const result = await Promise.race([o.handler(parsed.data, ctx), running.whenAborted()]);
      durationCompleted.observe((Date.now() - startedAt) / 1000);
      completed.inc();
      if (def.recordRuns) {
        await sinks.pipelineRun?.({ queue, jobId, attempt, ok: true, startedAt: new Date(startedAt), finishedAt: new Date(), counts: countsOf(result) });
      }
      if (scheduled) await sinks.scheduleRan?.(queue, { at: startedAt, jobId, outcome: 'completed' });
      return result;
    } catch (err) {
      if (isParked(err)) throw err; // deferred or waiting for children: BullMQ already moved the job
      if (err instanceof RetryAfterError && err.wait) await waitInstead(ctx, err, err.wait);
      return fail(job, ctx, err, startedAt);
    } finally {
      clearTimeout(timer);
      o.running.delete(key);
    }
  }

  /**
   * A wait that is not the job's fault (an open circuit breaker) is sat out by deferring (no attempt
   * counted) while the job's total wait stays within the error's budget; returns when it does not, and
   * the error then counts as a failed attempt.
   */
  async function waitInstead(ctx: Ctx, err: RetryAfterError, wait: WaitPolicy): Promise<void> {
    const delayMs = Math.max(1, Math.round(err.delayMs));
    const waited = Number(await o.redis.eval(ADD_WAIT, 1, `${o.prefix}:${queue}:${ctx.jobId}`, delayMs).catch(() => -1));
    if (waited < 0 || waited > wait.maxWaitMs) {
      ctx.log.warn({ waitedMs: waited < 0 ? null : waited - delayMs, maxWaitMs: wait.maxWaitMs, reason: err.message }, 'waited long enough: this wait now counts as a failed attempt');
      return;
    }
    try {
      await ctx.defer(delayMs, { jitterRatio: wait.jitterMs / delayMs, reason: err.message });
    } catch (deferred) {
      if (isParked(deferred)) throw deferred;
      ctx.log.warn({ err: deferred }, 'could not defer the job: the wait counts as a failed attempt');
    }
  }

  async function fail(job: Job, ctx: Ctx, thrown: unknown, startedAt: number): Promise<never> {
    const { attempt, jobId, log } = ctx;
    const c = classify(thrown);
    const final = c.kind === 'non-retryable' || attempt >= maxAttempts;
    metrics.jobDuration.observe({ queue, outcome: final ? 'failed' : 'retried' }, (Date.now() - startedAt) / 1000);
    const error = c.error;
    if (def.recordRuns) {
      await sinks.pipelineRun?.({ queue, jobId, attempt, ok: false, startedAt: new Date(startedAt), finishedAt: new Date(), counts: {}, error: error.message }).catch((e) => log.error({ err: e }, 'could not record the pipeline run'));
    }
    if (final) {
      metrics.jobsFailed.inc({ queue });
      log.error({ err: error, kind: c.kind }, 'job failed for good');
      await sinks.deadLetter({ queue, jobId, jobName: job.name, payload: job.data, error, attempts: attempt });
      metrics.jobsDeadLettered.inc({ queue });
      if (job.repeatJobKey) await sinks.scheduleRan?.(queue, { at: startedAt, jobId, outcome: 'failed' });
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
