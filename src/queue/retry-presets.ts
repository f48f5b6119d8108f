// Retry presets with their wall-clock meaning. Backoff is exponential with ±20 % jitter:
// attempt n waits delayMs · 2^(n−1).
export interface RetryPolicy {
  attempts: number;
  /** First backoff in milliseconds. */
  delayMs: number;
  /** Upper bound of one backoff in milliseconds. */
  maxDelayMs: number;
}

export const retryPresets = {
  /** No retry: the job runs once. */
  none: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
  /** 3 attempts ≈ 3 s of backoff in all: cheap internal work. */
  quick: { attempts: 3, delayMs: 1_000, maxDelayMs: 10_000 },
  /** 5 attempts ≈ 2 minutes (8 + 16 + 32 + 64 s): calls to upstream feeds. */
  upstream: { attempts: 5, delayMs: 8_000, maxDelayMs: 120_000 },
  /** 8 attempts ≈ 1 hour (30 s doubling, capped at 20 min): work that must eventually happen. */
  patient: { attempts: 8, delayMs: 30_000, maxDelayMs: 1_200_000 },
} as const satisfies Record<string, RetryPolicy>;

export const JITTER = 0.2;

/** The delay before retry number `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelay(policy: Pick<RetryPolicy, 'delayMs' | 'maxDelayMs'>, attempt: number, random = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
