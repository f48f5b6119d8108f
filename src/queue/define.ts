// A queue is declared once, in queues/<name>.ts, with everything the engine needs to run it.
import type { z } from 'zod';
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

/** What a pipeline gets besides its payload. */
export interface JobContext<Deps = unknown> {
  queue: string;
  jobId: string;
  attempt: number;
  log: Logger;
  /** Fires on the queue's timeout, on cancel (DELETE /jobs/…) and at the shutdown deadline. */
  signal: AbortSignal;
  progress(value: number | object): Promise<void>;
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
  /** Shared by all workers of this queue through Redis. */
  rateLimit?: { max: number; durationMs: number };
  retention: { completed: Retention; failed: Retention };
  schedule?: ScheduleSpec<z.input<S>>;
  /** Write a pipeline_runs row per attempt with the counts the pipeline returns in `result.counts`. */
  recordRuns?: boolean;
  /** Loaded lazily, so that producers importing queues/ never load pipeline code. */
  handler: () => Promise<Handler<z.output<S>, R, Deps>>;
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
