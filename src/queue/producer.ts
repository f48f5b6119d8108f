// Producer side: one BullMQ Queue object per declared queue, on a fail-fast connection, plus the
// idempotency-key logic shared by the HTTP layer and pipelines that enqueue follow-up work.
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueDefinition } from './define.js';

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

/** One payload of a bulk enqueue is invalid: names its index; the zod error is the cause. */
export class BulkPayloadError extends Error {
  override name = 'BulkPayloadError';
  constructor(queue: string, readonly index: number, cause: { message: string }) {
    super(`${queue}: payload ${index} is invalid: ${cause.message}`, { cause });
  }
}

export class Producer {
  readonly queues = new Map<string, Queue>();
  readonly defs = new Map<string, QueueDefinition>();

  constructor(
    defs: readonly QueueDefinition[],
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly idempotencyTtlSeconds: number,
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

  /** Enqueues a payload that is validated here first (the worker validates it again at dequeue). */
  async enqueue(name: string, payload: unknown, opts: { idempotencyKey?: string; jobId?: string; delayMs?: number; priority?: number; parent?: JobsOptions['parent']; validated?: boolean } = {}): Promise<{ id: string; created: boolean }> {
    const def = this.def(name);
    const data = opts.validated ? payload : def.payload.parse(payload);
    const base: JobsOptions = { ...(opts.delayMs ? { delay: opts.delayMs } : {}), ...(opts.priority ? { priority: opts.priority } : {}), ...(opts.parent ? { parent: opts.parent } : {}) };
    if (opts.idempotencyKey) {
      const hash = createHash('sha256').update(`${name}\0${opts.idempotencyKey}`).digest('hex').slice(0, 40);
      const jobId = `idem-${hash}`;
      // SET NX decides "first time vs repeat" atomically across replicas; the deterministic job id makes
      // BullMQ itself refuse a second job even if two requests race past this point.
      const first = await this.connection.set(`${this.prefix}:engine:idem:${name}:${hash}`, jobId, 'EX', this.idempotencyTtlSeconds, 'NX');
      if (!first) return { id: jobId, created: false };
      await this.queue(name).add(name, data, { ...base, jobId });
      return { id: jobId, created: true };
    }
    const job = await this.queue(name).add(name, data, { ...base, ...(opts.jobId ? { jobId: opts.jobId } : {}) });
    return { id: String(job.id), created: true };
  }

  /**
   * Enqueues many jobs of one queue in one round trip (validated here first; nothing is added when one
   * payload is invalid). A job id that is already in the queue adds nothing, as with `enqueue`.
   */
  async enqueueBulk(name: string, items: ReadonlyArray<{ payload: unknown; jobId?: string }>): Promise<Array<{ id: string }>> {
    const def = this.def(name);
    if (!items.length) return [];
    const jobs = items.map((item, i) => {
      const parsed = def.payload.safeParse(item.payload);
      if (!parsed.success) throw new BulkPayloadError(name, i, parsed.error);
      return { name, data: parsed.data, opts: item.jobId ? { jobId: item.jobId } : {} };
    });
    const added = await this.queue(name).addBulk(jobs);
    return added.map((j) => ({ id: String(j.id) }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
