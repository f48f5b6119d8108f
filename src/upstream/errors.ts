// Upstream failures are wrapped once, here, with the upstream's name, status and a cut body, and
// mapped onto the engine's retry classes.
import { NonRetryableError, RetryAfterError, type WaitPolicy } from '../queue/errors.js';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly upstream: string,
    readonly status: number | undefined,
    message: string,
    readonly bodySnippet?: string,
  ) {
    super(`${upstream}: ${message}${status ? ` (HTTP ${status})` : ''}${bodySnippet ? `: ${bodySnippet}` : ''}`);
  }
}

/** 4xx except 408/429: the request itself is wrong; it will not get better by retrying. */
export class UpstreamClientError extends NonRetryableError {
  override name = 'UpstreamClientError';
  constructor(readonly upstream: string, readonly status: number, bodySnippet: string) {
    super(`${upstream}: HTTP ${status}${bodySnippet ? `: ${bodySnippet}` : ''}`);
  }
}

export class UpstreamRetryAfterError extends RetryAfterError {
  override name = 'UpstreamRetryAfterError';
  constructor(readonly upstream: string, readonly status: number | undefined, delayMs: number, why: string, wait?: WaitPolicy) {
    super(`${upstream}: ${why}; retry in ${delayMs} ms`, delayMs, wait);
  }
}

/**
 * The upstream's breaker let no request through. Nothing was asked of the upstream, so the job waits it
 * out without spending an attempt (the `wait` policy), up to the breaker's maximum wait.
 */
export class CircuitOpenError extends UpstreamRetryAfterError {
  override name = 'CircuitOpenError';
  constructor(upstream: string, delayMs: number, why: string, wait: WaitPolicy) {
    super(upstream, undefined, delayMs, why, wait);
  }
}

export const BODY_SNIPPET_CHARS = 300;

/**
 * `retryAfterMs`: the response's Retry-After, already parsed and capped by the client; `snippet`: the
 * start of the body, already cut and scrubbed of secrets by the client.
 */
export function errorForStatus(upstream: string, status: number, retryAfterMs: number | undefined, snippet: string): Error {
  if ((status === 429 || status === 503) && retryAfterMs !== undefined) {
    return new UpstreamRetryAfterError(upstream, status, retryAfterMs, `HTTP ${status} with Retry-After`);
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return new UpstreamClientError(upstream, status, snippet);
  return new UpstreamError(upstream, status, 'upstream failed', snippet);
}

/** Whether a failure says something about the upstream's health (counts towards opening its breaker). */
export function countsAgainstBreaker(err: unknown): boolean {
  if (err instanceof UpstreamClientError) return false;
  if (err instanceof UpstreamRetryAfterError && err.status === 429) return false; // rate limiting, not sickness
  if ((err as Error)?.name === 'AbortError' && !(err instanceof UpstreamError)) return false; // our own cancel/timeout of the job
  return true;
}
