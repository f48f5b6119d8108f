// Assembles the engine: start-up and shutdown order and every connection's settings live here.
import { FlowProducer } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { ensureDatabase } from './db/admin.js';
import { createDb, createPool, type Db } from './db/client.js';
import { executor, type PoolExecutor } from './db/executor.js';
import { applyMigrations, pendingMigrationsOn } from './db/migrate.js';
import { sql } from './db/sql.js';
import type { HttpContext } from './http/context.js';
import { buildHttpServer, type HttpOptions } from './http/server.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { QueueDefinition } from './queue/define.js';
import { Flows } from './queue/flows.js';
import { Producer } from './queue/producer.js';
import { SlotRegistry, type SlotOptions, type Slots } from './queue/slots.js';
import { reconcileSchedules } from './queue/schedules.js';
import { outboxKey } from './queue/outbox.js';
import { createSinks } from './queue/sinks.js';
import { WorkerPool } from './queue/workers.js';
import { failFastConnection, isCluster, probeWrite, settlesBy, waitForRedis, withTimeout, workerConnection, type RedisClient, type RedisTarget } from './redis.js';
import { configSecrets } from './secrets.js';
import { BreakerRegistry, Status } from './status.js';
import { Upstream, type UpstreamOptions } from './upstream/client.js';

/** What every pipeline receives as `ctx.deps`. Features extend it through `extendDeps`. */
export interface EngineDeps {
  config: Readonly<Config>;
  db: Db;
  /** Plain SQL (the `sql` template) on the pool under Prisma: set-based and hot statements, transactions (`tx`). */
  sql: PoolExecutor;
  /** Plain SQL on a small pool of its own whose statements time out: long scans, kept off the hot paths' pool. */
  analytics: PoolExecutor;
  /** For pipelines: waits across reconnects. One Redis or a Cluster: keys go under QUEUE_PREFIX (one slot). */
  redis: RedisClient;
  /**
   * Like `redis`, auto-pipelined: the commands all jobs issue in one event-loop turn go to Redis in one
   * write (a write per command costs more than a small command itself). For hot paths of many small
   * commands; a MULTI or pipeline object bypasses the batching, so group ordered commands in a script.
   */
  redisBatched: RedisClient;
  /** Enqueues a job of a queue definition (typed payload; debounce, throttle, priority, delay). */
  enqueue: Producer['enqueue'];
  enqueueBulk: Producer['enqueueBulk'];
  /** Whether this engine runs the queue (a deployment may leave a feature's queues out). */
  runs: Producer['has'];
  /** Looks a job up by id (state, creation and finish times, failure reason), e.g. one this job waits for. */
  findJob: Producer['findJob'];
  breakers: BreakerRegistry;
  metrics: Metrics;
  /** Parent/child flows on the engine's queues: submit, add children in waves, progress. */
  flows: Flows;
  /** At most `limit` calls of `key` in flight across every replica: `slots('ml-service', 8).run(call)`. */
  slots(key: string, limit: number, o?: SlotOptions): Slots;
  /** Creates a resilient client for an upstream service; the engine closes it on shutdown. */
  upstream(options: UpstreamOptions): Upstream;
  log: Logger;
}

export interface EngineOptions {
  config: Readonly<Config>;
  queues: readonly QueueDefinition[];
  log: Logger;
  /** Adds feature services (upstream clients …) to the deps pipelines get. */
  extendDeps?: (base: EngineDeps) => Promise<Record<string, unknown>> | Record<string, unknown>;
  extraRoutes?: HttpOptions['extraRoutes'];
  /** Skip creating the database and applying migrations (tests clone a migrated template). */
  skipMigrations?: boolean;
}

export interface Engine {
  config: Readonly<Config>;
  db: Db;
  producer: Producer;
  metrics: Metrics;
  status: Status;
  workers?: WorkerPool;
  http?: FastifyInstance;
  deps: EngineDeps & Record<string, unknown>;
  /** Bounded whatever Redis and PostgreSQL do: `forced` names the close steps that did not finish in time. */
  stop(): Promise<StopResult>;
}

export interface StopResult {
  /** Jobs were still running at the shutdown deadline and were aborted (and put back). */
  aborted: boolean;
  forced: string[];
}

const READY_TIMEOUT_MS = 1_500;
/** After the shutdown deadline, the time left to put aborted jobs back and close connections. */
export const CLOSE_GRACE_MS = 5_000;
const HTTP_CLOSE_MS = 2_000;

export async function startEngine(o: EngineOptions): Promise<Engine> {
  const { config, log } = o;
  const names = o.queues.map((q) => q.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new Error(`queues declared twice: ${[...new Set(twice)].join(', ')}`);
  if (!o.skipMigrations) {
    if (await ensureDatabase(config.DATABASE_URL)) log.info('created the database');
    const applied = await applyMigrations(config.DATABASE_URL);
    if (applied.length) log.info({ applied }, 'applied migrations');
  }
  const pool = createPool(config.DATABASE_URL);
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection failed'));
  const db = createDb(pool);
  const main = executor(pool);
  const analyticsPool = createPool(config.DATABASE_URL, config.ANALYTICS_POOL_SIZE, { statementTimeoutMs: config.ANALYTICS_STATEMENT_TIMEOUT_MS, applicationName: 'matchday-analytics' });
  analyticsPool.on('error', (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection (analytics) failed'));
  // The first query loads Prisma's query compiler (WebAssembly): pay that at start-up, not in a request.
  await db.deadLetter.findFirst({ select: { id: true } });
  const target: RedisTarget = { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
  const fast = failFastConnection(target, 'engine:api');
  fast.on('error', (err) => log.debug({ err: err.message }, 'redis (api connection) error'));
  const shared = workerConnection(target, 'engine:shared');
  shared.on('error', (err) => log.debug({ err: err.message }, 'redis (shared connection) error'));
  const batched = workerConnection(target, 'engine:batched', { enableAutoPipelining: true });
  batched.on('error', (err) => log.debug({ err: err.message }, 'redis (batched connection) error'));
  await waitForRedis(shared, { url: target, log });
  // A Cluster client takes its slot map first; the fail-fast one refuses commands until it has it.
  if (isCluster(fast) && fast.status !== 'ready') await new Promise<void>((resolve, reject) => {
    fast.once('ready', resolve);
    fast.once('end', () => reject(new Error('Redis Cluster (api connection) ended before it was ready')));
  });

  const metrics = createMetrics();
  const producer = new Producer(o.queues, fast, config.QUEUE_PREFIX, config.IDEMPOTENCY_TTL_SECONDS, { replicas: config.ENQUEUE_ACK_REPLICAS, timeoutMs: config.ENQUEUE_ACK_TIMEOUT_MS });
  const breakers = new BreakerRegistry();
  const status = new Status(producer, fast, config.QUEUE_PREFIX, config.SCHEDULES, breakers);
  metrics.setQueueGaugeReader(() => withTimeout(status.queueStats(), READY_TIMEOUT_MS, 'Redis'));
  if (config.SCHEDULES_ENABLED) metrics.setScheduleGaugeReader(() => withTimeout(status.scheduleAges(), READY_TIMEOUT_MS, 'Redis'));
  metrics.setBookkeepingBacklogReader(() => withTimeout(fast.llen(outboxKey(config.QUEUE_PREFIX)), READY_TIMEOUT_MS, 'Redis'));

  // Flows go through the fail-fast connection like every enqueue: a caller learns of an outage at once.
  const flowProducer = new FlowProducer({ connection: fast, prefix: config.QUEUE_PREFIX });
  flowProducer.on('error', (err) => log.debug({ err: err.message }, 'flow producer error'));
  const flows = new Flows(producer, flowProducer, fast, config.QUEUE_PREFIX, config.IDEMPOTENCY_TTL_SECONDS);
  const slotRegistry = new SlotRegistry(shared, config.QUEUE_PREFIX);
  const upstreams: Upstream[] = [];
  const upstream = (options: UpstreamOptions) => {
    const withDefaults: UpstreamOptions = {
      maxRetryAfterMs: config.UPSTREAM_MAX_RETRY_AFTER_MS, ...options,
      breaker: { maxWaitMs: config.UPSTREAM_BREAKER_MAX_WAIT_MS, ...options.breaker },
    };
    const u = new Upstream(withDefaults, { redis: shared, prefix: config.QUEUE_PREFIX, metrics, breakers, log, secrets: configSecrets(config) });
    upstreams.push(u);
    return u;
  };
  const base: EngineDeps = {
    config, db, sql: main, analytics: executor(analyticsPool), redis: shared, redisBatched: batched, breakers, metrics, flows, upstream, log,
    enqueue: producer.enqueue.bind(producer), enqueueBulk: producer.enqueueBulk.bind(producer), runs: producer.has.bind(producer),
    findJob: producer.findJob.bind(producer),
    slots: (key, limit, so) => slotRegistry.get(key, limit, so),
  };
  const deps = { ...base, ...(await o.extendDeps?.(base)) };

  let workers: WorkerPool | undefined;
  let sinks: ReturnType<typeof createSinks> | undefined;
  if (config.ROLE !== 'api') {
    const consumed = config.WORKER_QUEUES.length ? o.queues.filter((q) => config.WORKER_QUEUES.includes(q.name)) : o.queues;
    const unknown = config.WORKER_QUEUES.filter((n) => !o.queues.some((q) => q.name === n));
    if (unknown.length) log.warn({ unknown }, 'WORKER_QUEUES names queues that do not exist');
    // Every worker process drains the bookkeeping kept in Redis while PostgreSQL was unavailable.
    sinks = createSinks(main, shared, config.QUEUE_PREFIX, log, metrics);
    workers = new WorkerPool({
      defs: consumed, redis: target, prefix: config.QUEUE_PREFIX, concurrency: config.CONCURRENCY,
      lockDurationMs: config.WORKER_LOCK_DURATION_MS, stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      scheduleOverrides: config.SCHEDULES, deps, log, metrics, sinks,
    });
    await workers.start();
    sinks.outbox.start();
    for (const def of consumed) {
      if (def.globalConcurrency === undefined) continue;
      const n = typeof def.globalConcurrency === 'function' ? def.globalConcurrency(config) : def.globalConcurrency;
      await producer.queue(def.name).setGlobalConcurrency(n);
    }
    log.info({ queues: consumed.map((q) => q.name) }, 'workers started');
    if (config.SCHEDULES_ENABLED) {
      await reconcileSchedules({ defs: o.queues, overrides: config.SCHEDULES, queue: (n) => producer.queue(n), redis: shared, prefix: config.QUEUE_PREFIX, log });
    }
  }

  let migrationsApplied = false;
  const check = async (name: string, fn: () => Promise<unknown>) => {
    try {
      await withTimeout(fn(), READY_TIMEOUT_MS, name);
      return [name, { ok: true }] as const;
    } catch (err) {
      return [name, { ok: false, error: (err as Error).message }] as const;
    }
  };
  const ctx: HttpContext = {
    config, producer, flows, redis: fast, db, sql: main, metrics, status,
    async ready() {
      const checks = Object.fromEntries(
        await Promise.all([
          check('redis', () => probeWrite(fast, config.QUEUE_PREFIX)),
          check('postgres', () => main.query(sql`SELECT 1`)),
          check('migrations', async () => {
            if (migrationsApplied) return;
            const pending = await pendingMigrationsOn(pool);
            if (pending.length) throw new Error(`pending: ${pending.join(', ')}`);
            migrationsApplied = true;
          }),
        ]),
      );
      return { ok: Object.values(checks).every((c) => (c as { ok: boolean }).ok), checks };
    },
  };

  const http = await buildHttpServer(ctx, { surface: config.ROLE === 'worker' ? 'ops' : 'all', log, extraRoutes: o.extraRoutes });
  await http.listen({ port: config.PORT, host: config.HOST });

  // Shutdown: every step is bounded, so the process ends within SHUTDOWN_TIMEOUT_MS + CLOSE_GRACE_MS
  // whatever Redis and PostgreSQL do (a step that hangs is left behind and named in `forced`).
  let stopping: Promise<StopResult> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down: no new requests or jobs');
      const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
      const closeBy = deadline + CLOSE_GRACE_MS;
      const forced: string[] = [];
      const step = async (name: string, work: Promise<unknown>, by: number) => {
        if (await settlesBy(work, by)) return;
        forced.push(name);
        log.error({ step: name }, 'shutdown step did not finish in time: forcing it');
      };
      sinks?.outbox.stop();
      await step('http', http.close(), Math.min(deadline, Date.now() + HTTP_CLOSE_MS));
      const closed = (await workers?.close(deadline, closeBy)) ?? { aborted: false, forced: false };
      if (closed.forced) forced.push('workers');
      const quit = (c: RedisClient) => c.quit().catch(() => c.disconnect());
      await step('connections', Promise.all([producer.close(), flowProducer.close(), ...upstreams.map((u) => u.close()), quit(fast), quit(shared), quit(batched)]), closeBy);
      if (forced.includes('connections')) for (const c of [fast, shared, batched]) c.disconnect();
      await step('postgres', db.$disconnect().then(() => Promise.all([pool.end(), analyticsPool.end()])), closeBy);
      const result = { aborted: closed.aborted, forced };
      log.info(result, 'shut down');
      return result;
    })());

  return { config, db, producer, metrics, status, workers, http, deps, stop };
}
