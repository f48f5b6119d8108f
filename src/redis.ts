// Redis connections, configured in one place following BullMQ's production guidance.
import { Redis, type RedisOptions } from 'ioredis';

const reconnect = (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 5_000);

/**
 * For workers and other long-lived consumers: commands wait (forever) across reconnects, because a
 * worker must survive a Redis restart by itself.
 */
export function workerConnection(url: string, name: string): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: reconnect });
}

/**
 * For the HTTP layer: commands fail at once while Redis is unreachable, so a request gets a 503
 * instead of hanging.
 */
export function failFastConnection(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: reconnect,
    ...extra,
  });
}

/** Rejects with a TimeoutError when `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyTimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Like withTimeout, for work of several round trips: the work gets a signal that fires at the timeout,
 * so a request already answered 503 stops before its next round trip instead of finishing later.
 */
export function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<T> {
  const ac = new AbortController();
  return withTimeout(work(ac.signal), ms, what).catch((err) => {
    ac.abort(err);
    throw err;
  });
}

/**
 * Waits for `promise` at most until `deadline` (epoch ms; at least `minMs`): true when it settled (resolved
 * or rejected), false when the time ran out and it was left behind. For shutdown steps, which must end
 * whatever Redis or PostgreSQL do.
 */
export async function settlesBy(promise: Promise<unknown>, deadline: number, minMs = 250): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), Math.max(minMs, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class DependencyTimeoutError extends Error {
  override name = 'DependencyTimeoutError';
}
