// Errors steer retries. Pipelines throw these (or anything else); `classify` turns whatever was thrown
// into one of three outcomes, so the retry policy lives here and in the queue files, not at call sites.
import { ZodError } from 'zod';

/** The job can never succeed as it is (bad payload, 4xx from an upstream): fail now, no retry. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/**
 * How a wait that is not the job's fault (an upstream's open circuit breaker) is sat out: the job goes
 * back to delayed without counting an attempt, `jitterMs` spreading the wake-ups, until it has waited
 * `maxWaitMs` in all; from then on the same error counts as a failed attempt, so no job waits forever.
 */
export interface WaitPolicy {
  maxWaitMs: number;
  jitterMs: number;
}

/**
 * The upstream asked us to come back later (429/503 with Retry-After): retry after `delayMs`. With a
 * `wait` policy the engine defers the job instead (no attempt counted) while the policy allows it.
 */
export class RetryAfterError extends Error {
  override name = 'RetryAfterError';
  constructor(message: string, readonly delayMs: number, readonly wait?: WaitPolicy) {
    super(message);
  }
}

/** The job exceeded its queue's timeout. Retryable: the next attempt may be faster. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/** Someone cancelled the job (DELETE /jobs/:queue/:id). Never retried. */
export class JobCancelledError extends NonRetryableError {
  override name = 'JobCancelledError';
}

/** The worker is shutting down and its deadline passed: the job is put back for another worker, no attempt counted. */
export class ShutdownAbortError extends Error {
  override name = 'ShutdownAbortError';
}

export type Classified =
  | { kind: 'non-retryable'; error: Error }
  | { kind: 'retry-after'; error: Error; delayMs: number }
  | { kind: 'retryable'; error: Error };

export function classify(thrown: unknown): Classified {
  const error = thrown instanceof Error ? thrown : new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
  if (error instanceof RetryAfterError) return { kind: 'retry-after', error, delayMs: Math.max(0, error.delayMs) };
  if (error instanceof NonRetryableError || error instanceof ZodError || error.name === 'UnrecoverableError') {
    return { kind: 'non-retryable', error };
  }
  return { kind: 'retryable', error };
}

/** Parses an HTTP Retry-After header (seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
