// Consumer side: one BullMQ Worker per consumed queue, wired to the job wrapper, cross-process cancel
// and graceful shutdown with a deadline.
import { Worker } from 'bullmq';
import type { ScheduleOverride } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { settlesBy, workerConnection, type RedisClient, type RedisTarget } from '../redis.js';
import type { QueueDefinition } from './define.js';
import { JobCancelledError, RetryAfterError, ShutdownAbortError } from './errors.js';
import { backoffDelay } from './retry-presets.js';
import { cancelChannel } from './cancel.js';
import { createJobRunner, runningKey, type JobSinks, type RunningJob } from './run-job.js';
import { schedulePeriodMs } from './schedules.js';

export interface WorkerPoolOptions {
  defs: readonly QueueDefinition[];
  redis: RedisTarget;
  prefix: string;
  concurrency: Readonly<Record<string, number>>;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** `SCHEDULES`: the missed-tick rule uses the period a schedule actually runs at. */
  scheduleOverrides: Readonly<Record<string, ScheduleOverride>>;
  deps: unknown;
  log: Logger;
  metrics: Metrics;
  sinks: JobSinks;
}

export class WorkerPool {
  readonly workers = new Map<string, Worker>();
  /** Jobs running in this process, by queue and job id. */
  readonly running = new Map<string, RunningJob>();
  private subscriber?: RedisClient;
  private readonly connections: RedisClient[] = [];

  constructor(private readonly o: WorkerPoolOptions) {}

  async start(): Promise<void> {
    const { o } = this;
    for (const def of o.defs) {
      const handler = await def.handler();
      const connection = workerConnection(o.redis, `worker:${def.name}`);
      connection.on('error', () => {}); // reported through the worker's own 'error' event
      this.connections.push(connection);
      const run = createJobRunner({
        def, handler: handler as never, deps: o.deps, log: o.log, metrics: o.metrics, sinks: o.sinks,
        running: this.running, schedulePeriodMs: schedulePeriodMs(def, o.scheduleOverrides), prefix: o.prefix, redis: connection,
      });
      // Two-argument processor: BullMQ then creates no AbortController per job (cancel goes through
      // `running`); the token lets a job defer itself or wait for its children.
      const worker = new Worker(def.name, (job, token) => run(job, token), {
        connection,
        prefix: o.prefix,
        concurrency: o.concurrency[def.name] ?? def.concurrency,
        lockDuration: o.lockDurationMs,
        stalledInterval: o.stalledIntervalMs,
        maxStalledCount: 1,
        ...(def.rateLimit ? { limiter: { max: def.rateLimit.max, duration: def.rateLimit.durationMs } } : {}),
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
            err instanceof RetryAfterError ? err.delayMs : backoffDelay(def.retry, attemptsMade),
        },
        autorun: false,
      });
      worker.on('error', (err) => o.log.warn({ queue: def.name, err }, 'worker error (it reconnects by itself)'));
      worker.on('stalled', (jobId) => {
        o.metrics.jobsStalled.inc({ queue: def.name });
        o.log.warn({ queue: def.name, jobId }, 'stalled job recovered: its worker stopped renewing the lock');
      });
      this.workers.set(def.name, worker);
    }
    await this.subscribeToCancels();
    for (const w of this.workers.values()) void w.run().catch((err) => o.log.error({ err }, 'worker stopped'));
    await Promise.all([...this.workers.values()].map((w) => w.waitUntilReady()));
  }

  /** DELETE /jobs/… in any process publishes here; the process holding the job aborts it. */
  private async subscribeToCancels() {
    const sub = workerConnection(this.o.redis, 'engine:cancel-subscriber');
    sub.on('error', () => {});
    sub.on('message', (_channel, message) => {
      try {
        const { queue, jobId, reason } = JSON.parse(message) as { queue: string; jobId: string; reason?: string };
        const job = this.running.get(runningKey(queue, jobId));
        if (job) {
          job.abort(new JobCancelledError(reason ?? 'cancelled'));
          this.o.log.info({ queue, jobId }, 'job cancelled');
        }
      } catch (err) {
        this.o.log.warn({ err }, 'bad cancel message');
      }
    });
    await sub.subscribe(cancelChannel(this.o.prefix));
    this.subscriber = sub;
  }

  /**
   * Stop taking jobs; let running ones finish until `deadline` (epoch ms), then abort them through their
   * signals (they are put back without counting an attempt) and give that until `closeBy`. Past `closeBy`
   * (Redis does not answer) the connections are dropped: `forced`.
   */
  async close(deadline: number, closeBy: number): Promise<{ aborted: boolean; forced: boolean }> {
    const closing = Promise.all([...this.workers.values()].map((w) => w.close()));
    let aborted = false;
    if (!(await settlesBy(closing, deadline, 0))) {
      aborted = this.running.size > 0;
      this.o.log.warn({ running: this.running.size }, 'shutdown deadline passed: aborting running jobs');
      for (const job of this.running.values()) job.abort(new ShutdownAbortError('shutdown deadline passed'));
    }
    let forced = !(await settlesBy(closing, closeBy));
    // We passed the connections in, so BullMQ treats them as shared and leaves them open.
    if (!forced) forced = !(await settlesBy(Promise.all(this.connections.map((c) => c.quit().catch(() => c.disconnect()))), closeBy));
    if (forced) {
      this.o.log.error('workers did not close in time (Redis does not answer?): dropping their connections');
      for (const w of this.workers.values()) void w.disconnect().catch(() => {});
      for (const c of this.connections) c.disconnect();
    }
    this.subscriber?.disconnect();
    return { aborted, forced };
  }
}
