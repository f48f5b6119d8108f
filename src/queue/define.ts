// A queue is declared once, in queues/<name>.ts, with everything the engine needs to run it.
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { RetryPolicy } from './retry-presets.js';

export interface Retention {
  /** Keep at most this many jobs … */
  count: number;
  /** … and none older than this. */
  ageSeconds: number;
}

export interface ScheduleSpec<P> {
  /** Cron pattern (seconds optional) evaluated in `tz`; or … */
  pattern?: string;
  tz?: string;
  /** … a fixed interval in milliseconds. */
  everyMs?: number;
  /**
   * What happens to ticks missed while no worker ran: 'skip' drops a tick that starts more than one
   * period late; 'run-once' runs it once, however many were missed (BullMQ never accumulates ticks).
   */
  missed: 'skip' | 'run-once';
  payload: P;
}

/** A child of a flow as its parent sees it (`ctx.children()`). */
export interface ChildRef {
  queue: string;
  id: string;
}

export interface ChildResults {
  /** Children that completed, with their return values. */
  values: Array<ChildRef & { value: unknown }>;
  /** Children that failed for good while their parent was told to ignore it, with the failure reason. */
  failures: Array<ChildRef & { reason: string }>;
}

/** What a pipeline gets besides its payload. */
export interface JobContext<Deps = unknown> {
  queue: string;
  jobId: string;
  /** 1 on the first run; a deferred job runs again with the same attempt. */
  attempt: number;
  /** This run is the last one the queue's retry policy allows (a failure now is final). */
  finalAttempt: boolean;
  /** When the job was enqueued (ms since the epoch): the same for every attempt and every deferred run. */
  createdAt: number;
  log: Logger;
  /** Fires on the queue's timeout, on cancel (DELETE /jobs/…) and at the shutdown deadline. */
  signal: AbortSignal;
  progress(value: number | object): Promise<void>;
  /**
   * Sends the job back to delayed for `ms` (plus up to `jitterRatio` of it, default 0.1, so deferred jobs
   * do not all wake at once) without holding a worker and without counting an attempt. It never returns: it throws
   * a control-flow error the engine recognises, so write `return ctx.defer(…)`. The job runs again from
   * the start of its handler; keep what must survive in PostgreSQL or Redis.
   */
  defer(ms: number, o?: { jitterRatio?: number; reason?: string }): Promise<never>;
  /** Values and failures of this job's children (the parent of a flow). */
  children(): Promise<ChildResults>;
  /**
   * Parks the job until every child added to it is done, without holding a worker; returns at once when
   * none is pending. When it parks, it throws a control-flow error (like `defer`) and the job runs again
   * from the start once its children are done.
   */
  waitForChildren(): Promise<void>;
  deps: Deps;
}

export type Handler<P, R, Deps> = (payload: P, ctx: JobContext<Deps>) => Promise<R>;

export interface QueueDefinition<S extends z.ZodType = z.ZodType, R = unknown, Deps = any> {
  name: string;
  description: string;
  payload: S;
  retry: RetryPolicy;
  timeoutMs: number;
  concurrency: number;
  /**
   * Jobs of this queue in flight across every replica (BullMQ global concurrency, kept in Redis and set
   * by each worker process at start-up); a function of the configuration when it depends on a setting.
   */
  globalConcurrency?: number | ((config: Readonly<Config>) => number);
  /** Shared by all workers of this queue through Redis. */
  rateLimit?: { max: number; durationMs: number };
  retention: { completed: Retention; failed: Retention };
  schedule?: ScheduleSpec<z.input<S>>;
  /** Write a pipeline_runs row per run (attempts, and re-runs after a crash) with the counts the pipeline returns in `result.counts`. */
  recordRuns?: boolean;
  /** Loaded lazily, so that producers importing queues/ never load pipeline code. */
  handler: () => Promise<Handler<z.output<S>, R, Deps>>;
}

/** What the payload of a queue's job looks like to a producer. */
export type PayloadOf<D extends QueueDefinition> = z.input<D['payload']>;

export interface EnqueueOptions {
  /** A deterministic id: a second enqueue with the same id adds nothing while the job exists. */
  jobId?: string;
  /**
   * With `jobId`: a completed or failed job still kept under that id is removed first, so the work runs
   * again (without it the enqueue adds nothing until retention drops the finished job, days later).
   */
  replaceFinished?: boolean;
  /** The key decides the job id: a repeat (even after a failure) finds the job, a different payload is a conflict. */
  idempotencyKey?: string;
  /** BullMQ priority: 1 is the highest; jobs without a priority go before any prioritised one. */
  priority?: number;
  delayMs?: number;
  /**
   * Debounce: enqueues within `ttlMs` of each other under one `id` make one job, run `ttlMs` after the
   * last with the newest payload; one arriving while that job runs is kept and runs after it.
   */
  debounce?: { id: string; ttlMs: number };
  /** Throttle: at most one job per `id` within `ttlMs`; later enqueues return the first job's id. */
  throttle?: { id: string; ttlMs: number };
  /** Checked between the round trips of an idempotent enqueue: an abandoned request adds nothing more. */
  signal?: AbortSignal;
}

export function defineQueue<S extends z.ZodType, R, Deps = any>(def: QueueDefinition<S, R, Deps>): QueueDefinition<S, R, Deps> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new Error(`queue name "${def.name}" must be kebab-case`);
  if (def.schedule && !def.schedule.pattern === !def.schedule.everyMs) {
    throw new Error(`queue ${def.name}: a schedule has exactly one of pattern or everyMs`);
  }
  return def;
}

export const defaultRetention = {
  completed: { count: 1_000, ageSeconds: 24 * 3600 },
  failed: { count: 5_000, ageSeconds: 7 * 24 * 3600 },
} as const;
