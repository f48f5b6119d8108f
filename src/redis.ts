// Redis connections, configured in one place following BullMQ's production guidance.
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

const reconnect = (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 5_000);

/**
 * For workers and other long-lived consumers: commands wait (forever) across reconnects, because a
 * worker must survive a Redis restart by itself.
 */
export function workerConnection(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: reconnect, ...extra });
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

/** host:port of a Redis URL, for logs: never the password. */
export function redisAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}

/**
 * Resolves once Redis answers a PING on `redis` (a connection that waits across reconnects). Nothing
 * starts without Redis, and a silent wait looks like a hang: after `firstWarnMs`, then every `everyMs`,
 * it warns what start-up waits for, the address and the last connection error.
 */
export async function waitForRedis(redis: Redis, o: { url: string; log: Logger; firstWarnMs?: number; everyMs?: number }): Promise<void> {
  const address = redisAddress(o.url);
  const started = Date.now();
  let lastError: string | undefined;
  const onError = (err: Error) => {
    lastError = err.message;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  const warn = () => {
    o.log.warn({ waitingFor: 'redis', address, waitedSeconds: Math.round((Date.now() - started) / 1000), lastError }, `start-up is waiting for Redis at ${address}`);
    timer = setTimeout(warn, o.everyMs ?? 5_000);
  };
  timer = setTimeout(warn, o.firstWarnMs ?? 1_000);
  try {
    await redis.ping();
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}

/** Rejects with a TimeoutError when `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyTimeoutError(what, ms)), ms);
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
  /** `dependency` names what did not answer (Redis, PostgreSQL), so an HTTP 503 can say which. */
  constructor(readonly dependency: string, ms: number) {
    super(`${dependency} did not answer within ${ms} ms`);
  }
}
