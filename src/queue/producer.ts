// Producer side: one BullMQ Queue object per declared queue, on a fail-fast connection. Enqueueing is
// typed by the queue definition (`enqueue(ingestVenueGeocode, { venueId })`), so no queue name is written
// as a string outside queues/; the HTTP layer alone enqueues by name (POST /jobs/:queue).
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { replicasAcknowledged, type RedisClient } from '../redis.js';
import type { EnqueueOptions, PayloadOf, QueueDefinition } from './define.js';

export function jobOptions(def: QueueDefinition): JobsOptions {
  return {
    attempts: def.retry.attempts,
    backoff: { type: 'engine', delay: def.retry.delayMs },
    removeOnComplete: { count: def.retention.completed.count, age: def.retention.completed.ageSeconds },
    removeOnFail: { count: def.retention.failed.count, age: def.retention.failed.ageSeconds },
  };
}

export class UnknownQueueError extends Error {
  override name = 'UnknownQueueError';
}

/** The same idempotency key (or flow id) was used before with another payload. */
export class IdempotencyConflictError extends Error {
  override name = 'IdempotencyConflictError';
}

/** ENQUEUE_ACK_REPLICAS: the replicas did not confirm an enqueue in time (the job may still be kept). */
export class NotReplicatedError extends Error {
  override name = 'NotReplicatedError';
}

/** One payload of a bulk enqueue is invalid: names its index; the zod error is the cause. */
export class BulkPayloadError extends Error {
  override name = 'BulkPayloadError';
  constructor(queue: string, readonly index: number, cause: { message: string }) {
    super(`${queue}: payload ${index} is invalid: ${cause.message}`, { cause });
  }
}

/** JSON with object keys sorted, so equal payloads fingerprint equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  if (typeof v === 'bigint') return `${v}n`;
  return JSON.stringify(v) ?? 'null';
}

export const payloadDigest = (data: unknown) => createHash('sha256').update(canonical(data)).digest('hex').slice(0, 32);

/** A job as pipelines may look at it (no BullMQ types). */
export interface JobSnapshot {
  id: string;
  /** waiting, prioritized, delayed, active, waiting-children, completed, failed (or unknown). */
  state: string;
  createdAt: number;
  finishedAt: number | null;
  failedReason: string | null;
  attemptsMade: number;
}

const FINISHED = new Set(['completed', 'failed']);

export interface BulkItem<D extends QueueDefinition> {
  payload: PayloadOf<D>;
  jobId?: string;
  priority?: number;
}

export class Producer {
  readonly queues = new Map<string, Queue>();
  readonly defs = new Map<string, QueueDefinition>();

  constructor(
    defs: readonly QueueDefinition[],
    private readonly connection: RedisClient,
    readonly prefix: string,
    private readonly idempotencyTtlSeconds: number,
    /** ENQUEUE_ACK_REPLICAS / ENQUEUE_ACK_TIMEOUT_MS: what `replicated` waits for (0 replicas: nothing). */
    private readonly ack: { replicas: number; timeoutMs: number } = { replicas: 0, timeoutMs: 0 },
  ) {
    for (const def of defs) {
      this.defs.set(def.name, def);
      const q = new Queue(def.name, { connection, prefix, defaultJobOptions: jobOptions(def) });
      q.on('error', () => {}); // connection errors surface on the calls that fail; the shared connection logs them
      this.queues.set(def.name, q);
    }
  }

  queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) throw new UnknownQueueError(`unknown queue "${name}"`);
    return q;
  }

  def(name: string): QueueDefinition {
    const d = this.defs.get(name);
    if (!d) throw new UnknownQueueError(`unknown queue "${name}"`);
    return d;
  }

  /** Whether this engine runs the queue (a deployment may leave a feature's queues out). */
  has(def: QueueDefinition): boolean {
    return this.defs.has(def.name);
  }

  /**
   * Enqueues a payload of `def`'s queue, validated here first (the worker validates it again at dequeue).
   * The engine's registered definition of that name supplies the job options (tests register faster
   * retry variants under the same names).
   */
  enqueue<D extends QueueDefinition>(def: D, payload: PayloadOf<D>, opts: EnqueueOptions = {}): Promise<{ id: string; created: boolean }> {
    return this.enqueueByName(def.name, payload, opts);
  }

  /** For the HTTP layer, which takes the queue's name from the URL; everything else enqueues by definition. */
  async enqueueByName(name: string, payload: unknown, opts: EnqueueOptions & { validated?: boolean } = {}): Promise<{ id: string; created: boolean }> {
    const def = this.def(name);
    const data = opts.validated ? payload : def.payload.parse(payload);
    const base: JobsOptions = {
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      ...(opts.priority ? { priority: opts.priority } : {}),
      ...(opts.jobId ? { jobId: opts.jobId } : {}),
    };
    if (opts.debounce && opts.throttle) throw new Error('an enqueue is debounced or throttled, not both');
    if (opts.debounce) {
      const ttl = Math.max(1, opts.debounce.ttlMs);
      Object.assign(base, { delay: ttl, deduplication: { id: opts.debounce.id, ttl, extend: true, replace: true, keepLastIfActive: true } });
    }
    if (opts.throttle) Object.assign(base, { deduplication: { id: opts.throttle.id, ...(opts.throttle.ttlMs > 0 ? { ttl: opts.throttle.ttlMs } : {}) } });
    if (opts.idempotencyKey) return this.idempotent(name, data, opts.idempotencyKey, base, opts.signal);
    if (opts.replaceFinished && opts.jobId) await this.removeFinished(name, opts.jobId);
    const job = await this.queue(name).add(name, data, base);
    return { id: String(job.id), created: true };
  }

  /**
   * Resolves once `ack.replicas` replicas have every write made so far on the producer's connection to
   * the master of the queue's slot (Redis WAIT, on that master's connection; the queues, the flow
   * producer and the idempotency script all write on it); throws NotReplicatedError when fewer confirm
   * within `ack.timeoutMs`. Redis
   * replication stays asynchronous: this narrows the window in which a failover loses an acknowledged
   * job, it does not close it (README "Redis Cluster").
   */
  async replicated(name: string): Promise<void> {
    if (!this.ack.replicas) return;
    const got = await replicasAcknowledged(this.connection, `${this.prefix}:${this.def(name).name}:id`, this.ack.replicas, this.ack.timeoutMs);
    if (got < this.ack.replicas) {
      throw new NotReplicatedError(`${got} of ${this.ack.replicas} Redis replicas confirmed the enqueue within ${this.ack.timeoutMs} ms`);
    }
  }

  /** A job of `def`'s queue by id; null when no job (any more) has that id. */
  async findJob<D extends QueueDefinition>(def: D, id: string): Promise<JobSnapshot | null> {
    const job = await this.queue(def.name).getJob(id);
    if (!job) return null;
    return {
      id, state: await job.getState(), createdAt: job.timestamp, finishedAt: job.finishedOn ?? null,
      failedReason: job.failedReason || null, attemptsMade: job.attemptsMade,
    };
  }

  private async removeFinished(name: string, id: string): Promise<void> {
    const job = await this.queue(name).getJob(id);
    if (!job || !FINISHED.has(await job.getState())) return;
    // Someone else may have replaced it meanwhile (then the new job is locked or simply kept by the add).
    await job.remove().catch(() => {});
  }

  /**
   * The key decides the job id, so the enqueue is idempotent at the queue: a repeat after any failure
   * (a 503, a crash between two steps) finds the job if it exists and adds it if it does not. The key is
   * remembered (with the payload's fingerprint) only once the job exists, and longer than the job is
   * retained; a repeat with another payload is a conflict.
   */
  private async idempotent(name: string, data: unknown, key: string, base: JobsOptions, signal?: AbortSignal): Promise<{ id: string; created: boolean }> {
    const hash = createHash('sha256').update(`${name}\0${key}`).digest('hex').slice(0, 40);
    const jobId = `idem-${hash}`;
    const guard = `${this.prefix}:engine:idem:${name}:${hash}`;
    const digest = payloadDigest(data);
    const conflict = () => new IdempotencyConflictError(`Idempotency-Key "${key}" was used for ${name} job ${jobId} with another payload`);
    const seen = await this.connection.get(guard);
    // Keys remembered before fingerprints were stored hold the job id: accepted as a repeat.
    if (seen !== null) {
      if (seen !== digest && seen !== jobId) throw conflict();
      return { id: jobId, created: false };
    }
    signal?.throwIfAborted();
    const queue = this.queue(name);
    // Not remembered, but an earlier attempt may have added the job before failing to remember the key.
    const existing = await queue.getJob(jobId);
    if (existing && payloadDigest(existing.data) !== digest) throw conflict();
    signal?.throwIfAborted();
    if (!existing) await queue.add(name, data, { ...base, jobId });
    const first = await this.connection.set(guard, digest, 'EX', this.idempotencyTtlSeconds, 'NX');
    if (!first) {
      // A concurrent request with the same key got there first.
      if ((await this.connection.get(guard)) !== digest) throw conflict();
      return { id: jobId, created: false };
    }
    return { id: jobId, created: !existing };
  }

  /**
   * Enqueues many jobs of one queue in one round trip (validated here first; nothing is added when one
   * payload is invalid). A job id that is already in the queue adds nothing, as with `enqueue`.
   */
  async enqueueBulk<D extends QueueDefinition>(def: D, items: ReadonlyArray<BulkItem<D>>): Promise<Array<{ id: string }>> {
    const name = def.name;
    const registered = this.def(name);
    if (!items.length) return [];
    const jobs = items.map((item, i) => {
      const parsed = registered.payload.safeParse(item.payload);
      if (!parsed.success) throw new BulkPayloadError(name, i, parsed.error);
      return { name, data: parsed.data, opts: { ...(item.jobId ? { jobId: item.jobId } : {}), ...(item.priority ? { priority: item.priority } : {}) } };
    });
    const added = await this.queue(name).addBulk(jobs);
    return added.map((j) => ({ id: String(j.id) }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
