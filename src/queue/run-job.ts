// The wrapper every job runs through: re-validate the payload, give the pipeline a job-scoped logger and
// an AbortSignal (timeout, cancel, shutdown), record metrics, classify failures, dead-letter final ones.
import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChildRef, ChildResults, Handler, JobContext, QueueDefinition } from './define.js';
import { classify, JobTimeoutError, NonRetryableError, RetryAfterError, ShutdownAbortError, type WaitPolicy } from './errors.js';

export interface PipelineRunRecord {
  queue: string;
  jobId: string;
  /** With the id, what identifies the job: BullMQ ids start again after Redis loses its data. */
  jobCreatedAt: Date;
  /** Which start of the job this was (BullMQ's attemptsStarted: stalled restarts and deferrals count). */
  run: number;
  attempt: number;
  ok: boolean;
  startedAt: Date;
  finishedAt: Date;
  counts: unknown;
  error?: string;
}

/**
 * Where jobs are recorded. Must not throw: a record that cannot be written now is kept and written later
 * (src/queue/sinks.ts), so bookkeeping never changes a job's outcome.
 */
export interface JobSinks {
  /** Called once when a job fails for good. Must be idempotent (a crash may replay it). */
  deadLetter(rec: { queue: string; jobId: string; jobCreatedAt: Date; jobName: string; payload: unknown; error: Error; attempts: number }): Promise<void>;
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
  /** The effective schedule period in ms (after SCHEDULES overrides) when the queue is scheduled (missed-tick policy). */
  schedulePeriodMs?: number;
  /** The queue prefix (to read children's queue and id out of their Redis keys). */
  prefix: string;
  /** For the per-job wait budget (kept in the job's own hash, so it goes when the job goes). */
  redis: RedisClient;
}

type RecordRun = (ok: boolean, counts: unknown, error?: string) => Promise<void>;

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
  // Every counter an alert takes increase() of starts at 0 for each consumed queue: a series born at 1
  // has no earlier sample, so Prometheus would not see the first dead letter or missed tick of a process.
  for (const c of [metrics.jobsCompleted, metrics.jobsFailed, metrics.jobsRetried, metrics.jobsDeadLettered, metrics.jobsStalled, metrics.jobsDeferred]) c.inc({ queue }, 0);
  if (def.schedule) metrics.scheduleMissedTicks.inc({ queue }, 0);

  async function run(job: Job, token?: string): Promise<unknown> {
    const attempt = job.attemptsMade + 1;
    const startedAt = Date.now();
    const jobId = String(job.id);
    const running = new RunningJob();
    const ctx = new Ctx(queue, jobId, attempt, attempt >= maxAttempts, o.deps, job, token, running, o.log, o.prefix, onDefer);
    // A job re-run after its worker died keeps its attempt number; its start count tells the runs apart.
    const recordRun = (ok: boolean, counts: unknown, error?: string) =>
      safely(ctx, 'could not record the pipeline run', sinks.pipelineRun?.({
        queue, jobId, jobCreatedAt: new Date(job.timestamp), run: Math.max(job.attemptsStarted, 1), attempt, ok,
        startedAt: new Date(startedAt), finishedAt: new Date(), counts, error,
      }));

    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success) {
      const msg = `invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
      return fail(job, ctx, new NonRetryableError(msg), startedAt, recordRun);
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
      if (def.recordRuns) await recordRun(true, countsOf(result));
      if (scheduled) await sinks.scheduleRan?.(queue, { at: startedAt, jobId, outcome: 'completed' });
      return result;
    } catch (err) {
      if (isParked(err)) throw err; // deferred or waiting for children: BullMQ already moved the job
      if (running.abortedWith instanceof ShutdownAbortError) return putBack(job, token, ctx, running.abortedWith, recordRun);
      if (err instanceof RetryAfterError && err.wait) await waitInstead(ctx, err, err.wait);
      return fail(job, ctx, err, startedAt, recordRun);
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

  /**
   * The shutdown deadline aborted the job: it goes back to the head of the waiting list with its attempt
   * count untouched (like a deferral), so another worker takes it at once. If Redis does not take that,
   * the job's lock expires and it is recovered as stalled, still without an attempt counted.
   */
  async function putBack(job: Job, token: string | undefined, ctx: Ctx, reason: Error, recordRun: RecordRun): Promise<never> {
    try {
      await job.moveToWait(token);
      metrics.jobsPutBack.inc({ queue });
      ctx.log.warn({ reason: reason.message }, 'shutdown deadline: job aborted and put back without counting an attempt');
    } catch (err) {
      ctx.log.warn({ err }, 'shutdown deadline: could not put the aborted job back; it is recovered once its lock expires');
    }
    if (def.recordRuns) await recordRun(false, {}, `${reason.name}: ${reason.message} (put back, no attempt counted)`);
    // A control-flow error: BullMQ neither fails nor retries the job (it is no longer ours).
    throw new DelayedError('put back at the shutdown deadline');
  }

  /**
   * A child that fails its parent for good moves the parent to failed inside BullMQ: the parent never
   * runs, so no worker would dead-letter it. Its dead letter is written here, from the parent's hash.
   */
  async function deadLetterParent(job: Job, error: Error): Promise<void> {
    const parent = job.parent!;
    const queueName = parent.queueKey.startsWith(`${o.prefix}:`) ? parent.queueKey.slice(o.prefix.length + 1) : parent.queueKey;
    const h = await o.redis.hgetall(`${parent.queueKey}:${parent.id}`);
    if (!h.name) return; // removed meanwhile: nothing left to re-drive
    const reason = new Error(`child ${queue}/${job.id} failed for good: ${error.name}: ${error.message}`);
    reason.name = 'ChildFailedError';
    let payload: unknown = null;
    try {
      payload = JSON.parse(h.data ?? 'null');
    } catch {
      payload = h.data ?? null;
    }
    await sinks.deadLetter({ queue: queueName, jobId: String(parent.id), jobCreatedAt: new Date(Number(h.timestamp)), jobName: h.name, payload, error: reason, attempts: Number(h.attemptsMade ?? 0) });
    metrics.jobsDeadLettered.inc({ queue: queueName });
  }

  async function fail(job: Job, ctx: Ctx, thrown: unknown, startedAt: number, recordRun: RecordRun): Promise<never> {
    const { attempt, jobId, log } = ctx;
    const c = classify(thrown);
    const final = c.kind === 'non-retryable' || attempt >= maxAttempts;
    metrics.jobDuration.observe({ queue, outcome: final ? 'failed' : 'retried' }, (Date.now() - startedAt) / 1000);
    const error = c.error;
    if (def.recordRuns) await recordRun(false, {}, error.message);
    if (final) {
      metrics.jobsFailed.inc({ queue });
      log.error({ err: error, kind: c.kind }, 'job failed for good');
      // The job's failure reason stays its own error whatever happens to this write.
      await safely(ctx, 'could not record the dead letter', sinks.deadLetter({ queue, jobId, jobCreatedAt: new Date(job.timestamp), jobName: job.name, payload: job.data, error, attempts: attempt }));
      metrics.jobsDeadLettered.inc({ queue });
      if (job.parent && job.opts.failParentOnFailure) await safely(ctx, 'could not record the parent\'s dead letter', deadLetterParent(job, error));
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

/** Bookkeeping never changes a job's outcome (the sinks keep what they cannot write; this is the backstop). */
async function safely(ctx: Ctx, what: string, p: Promise<void> | undefined): Promise<void> {
  try {
    await p;
  } catch (err) {
    ctx.log.error({ err }, what);
  }
}

function countsOf(result: unknown): unknown {
  return result && typeof result === 'object' && 'counts' in result ? (result as { counts: unknown }).counts : {};
}
