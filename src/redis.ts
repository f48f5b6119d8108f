// Redis connections, configured in one place following BullMQ's production guidance. One Redis
// (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES seeds, ioredis Cluster): the rest of the engine
// takes a RedisClient and never asks which.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/** A connection to one Redis or to a Redis Cluster (every key the engine writes carries QUEUE_PREFIX). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, or the Cluster seed nodes (credentials and TLS still from REDIS_URL). */
export interface RedisTarget {
  url: string;
  clusterNodes?: ReadonlyArray<{ host: string; port: number }>;
}

const reconnect = (times: number) => Math.min(200 * 2 ** Math.min(times, 6), 5_000);

export const isCluster = (c: RedisClient): c is Cluster => (c as Cluster).isCluster === true;

/** The per-node options a Cluster takes from REDIS_URL: user, password, TLS (never host or port). */
function credentials(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

function connect(target: RedisTarget, node: RedisOptions, cluster: Partial<ClusterOptions> = {}): RedisClient {
  if (!target.clusterNodes?.length) return new Redis(target.url, node);
  const { retryStrategy: _perNode, enableOfflineQueue, ...rest } = node;
  return new Cluster(target.clusterNodes.map((n) => ({ host: n.host, port: n.port })), {
    redisOptions: { ...credentials(target.url), ...rest },
    // A failover (a master lost, its replica promoted) surfaces as closed connections and CLUSTERDOWN
    // answers: retried against a refreshed slot map for a few seconds before a command fails.
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 300,
    maxRedirections: 16,
    slotsRefreshTimeout: 2_000,
    clusterRetryStrategy: reconnect,
    enableReadyCheck: true,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...cluster,
  });
}

/**
 * For workers and other long-lived consumers: commands wait (forever) across reconnects, because a
 * worker must survive a Redis restart (or a Cluster failover) by itself.
 */
export function workerConnection(target: RedisTarget, name: string, extra: RedisOptions = {}): RedisClient {
  return connect(target, { connectionName: name, maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy: reconnect, ...extra }, extra.enableAutoPipelining ? { enableAutoPipelining: true } : {});
}

/**
 * For the HTTP layer: commands fail at once while Redis is unreachable, so a request gets a 503
 * instead of hanging.
 */
export function failFastConnection(target: RedisTarget, name: string, extra: RedisOptions = {}): RedisClient {
  return connect(target, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: reconnect,
    ...extra,
  });
}

/**
 * The master that owns `key`'s slot, as the Cluster connection reaches it (the same connection a write
 * of that key went through); `client` itself for one Redis.
 */
const slotOfKey = new Map<string, number>();

export async function nodeOf(client: RedisClient, key: string): Promise<Redis> {
  if (!isCluster(client)) return client;
  let slot = slotOfKey.get(key);
  if (slot === undefined) {
    slot = Number(await client.cluster('KEYSLOT', key));
    if (slotOfKey.size < 10_000) slotOfKey.set(key, slot);
  }
  const owner = (client.slots[slot] ?? [])[0];
  const node = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  if (!node) throw new Error(`Redis Cluster: no master known for slot ${slot} (failover in progress?)`);
  return node;
}

/**
 * Whether a write under `prefix` can be made now (readiness): PING on one Redis; on a Cluster, PING
 * reaches any node, so a short-lived key is written in the prefix's slot instead (its master must take it).
 */
export async function probeWrite(client: RedisClient, prefix: string): Promise<void> {
  if (!isCluster(client)) {
    await client.ping();
    return;
  }
  await client.set(`${prefix}:engine:ready-probe`, String(Date.now()), 'PX', 10_000);
}

/**
 * WAIT on the connection that made the writes (on a Cluster: the master of `key`'s slot): resolves with
 * how many replicas acknowledged every earlier write of that connection within `timeoutMs`.
 */
export async function replicasAcknowledged(client: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<number> {
  const node = await nodeOf(client, key);
  return Number(await node.call('WAIT', replicas, timeoutMs));
}

/** host:port of Redis (the Cluster's seed nodes), for logs: never the password. */
export function redisAddress(target: RedisTarget | string): string {
  const t = typeof target === 'string' ? { url: target } : target;
  if (t.clusterNodes?.length) return `cluster ${t.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const u = new URL(t.url);
  return `${u.hostname}:${u.port || 6379}`;
}

/**
 * Resolves once Redis answers a PING on `redis` (a connection that waits across reconnects). Nothing
 * starts without Redis, and a silent wait looks like a hang: after `firstWarnMs`, then every `everyMs`,
 * it warns what start-up waits for, the address and the last connection error.
 */
export async function waitForRedis(redis: RedisClient, o: { url: string | RedisTarget; log: Logger; firstWarnMs?: number; everyMs?: number }): Promise<void> {
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
