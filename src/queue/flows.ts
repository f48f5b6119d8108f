// Parent/child flows on the engine's queues (BullMQ flows), typed by queue definition: a parent runs once
// all its children are done and reads their values and failures (`ctx.children()`). Children can be added
// to a waiting parent later, in waves, by one of its own children (a plan adding the work it planned).
import type { FlowJob, FlowProducer } from 'bullmq';
import type { RedisClient } from '../redis.js';
import type { PayloadOf, QueueDefinition } from './define.js';
import { IdempotencyConflictError, jobOptions, payloadDigest, type Producer } from './producer.js';

export interface FlowNode<D extends QueueDefinition = QueueDefinition> {
  def: D;
  payload: PayloadOf<D>;
  /** Deterministic, so that a repeated submission or a retried wave adds nothing twice. */
  jobId: string;
}

export interface FlowChild<D extends QueueDefinition = QueueDefinition> extends FlowNode<D> {
  /**
   * What a child that fails for good does to its parent: `fail-parent` fails it; `ignore` lets the parent
   * run anyway and report it among `ctx.children().failures` (default).
   */
  onFailure?: 'fail-parent' | 'ignore';
}

export interface ParentRef {
  def: QueueDefinition;
  jobId: string;
}

/** Flow bookkeeping lives a week: longer than any flow runs, bounded anyway. */
const FLOW_STATE_TTL_SECONDS = 7 * 86_400;

export class Flows {
  constructor(
    private readonly producer: Producer,
    private readonly flowProducer: FlowProducer,
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** How long a submitted flow id is remembered (IDEMPOTENCY_TTL_SECONDS). */
    private readonly submittedTtlSeconds: number,
  ) {}

  private node<D extends QueueDefinition>(n: FlowNode<D>) {
    // The engine's registered definition supplies the options (tests register faster retry variants).
    const def = this.producer.def(n.def.name);
    return { name: def.name, queueName: def.name, data: def.payload.parse(n.payload), opts: { ...jobOptions(def), jobId: n.jobId } };
  }

  private child(c: FlowChild): FlowJob {
    const n = this.node(c);
    return { ...n, opts: { ...n.opts, ...(c.onFailure === 'fail-parent' ? { failParentOnFailure: true } : { ignoreDependencyOnFailure: true }) } };
  }

  /**
   * Submits a parent with its first children. The parent's id decides: a repeat (a retried request, a
   * double click) returns `created: false` and adds nothing, and so does a repeat after a failure that
   * left the flow added; a repeat with another payload is a conflict. The id is remembered only once the
   * flow exists, for IDEMPOTENCY_TTL_SECONDS (beyond the jobs' own retention).
   */
  async submit(parent: FlowNode, children: readonly FlowChild[], o: { signal?: AbortSignal } = {}): Promise<{ id: string; created: boolean }> {
    const root = this.node(parent);
    const guard = `${this.prefix}:engine:flow:${root.queueName}:${parent.jobId}`;
    const digest = payloadDigest(root.data);
    const conflict = () => new IdempotencyConflictError(`flow ${root.queueName}/${parent.jobId} was submitted before with another payload`);
    const seen = await this.redis.get(guard);
    if (seen !== null) {
      if (seen !== digest) throw conflict();
      return { id: parent.jobId, created: false };
    }
    o.signal?.throwIfAborted();
    const existing = await this.producer.queue(root.queueName).getJob(parent.jobId);
    if (existing && payloadDigest(existing.data) !== digest) throw conflict();
    o.signal?.throwIfAborted();
    if (!existing) await this.flowProducer.add({ ...root, children: children.map((c) => this.child(c)) } as FlowJob);
    const first = await this.redis.set(guard, digest, 'EX', this.submittedTtlSeconds, 'NX');
    if (!first && (await this.redis.get(guard)) !== digest) throw conflict();
    return { id: parent.jobId, created: first === 'OK' && !existing };
  }

  /**
   * Adds children to a parent that is still waiting for children (call it from one of them: the parent
   * cannot run in between). `firstWave` children go in one transaction so they start at once, the rest in
   * a second. Deterministic ids make a repeat a no-op.
   */
  async addChildren(parent: ParentRef, children: readonly FlowChild[], o: { firstWave?: number } = {}): Promise<void> {
    if (!children.length) return;
    const ref = { id: parent.jobId, queue: `${this.prefix}:${parent.def.name}` };
    const jobs = children.map((c) => {
      const j = this.child(c);
      return { ...j, opts: { ...j.opts, parent: ref } } as FlowJob;
    });
    const head = Math.max(1, Math.min(o.firstWave ?? jobs.length, jobs.length));
    await this.flowProducer.addBulk(jobs.slice(0, head));
    if (head < jobs.length) await this.flowProducer.addBulk(jobs.slice(head));
  }

  /**
   * Records that one of `total` children is done and moves the parent's progress to the share done
   * (0–100). Idempotent per child key, so a retried child does not count twice.
   */
  async childDone(parent: ParentRef, childKey: string, total: number): Promise<number> {
    const key = `${this.prefix}:engine:flow:${parent.def.name}:${parent.jobId}:done`;
    const res = await this.redis.multi().sadd(key, childKey).scard(key).expire(key, FLOW_STATE_TTL_SECONDS).exec();
    const done = Number(res?.[1]?.[1] ?? 0);
    const percent = Math.min(100, Math.floor((100 * done) / Math.max(1, total)));
    await this.producer.queue(parent.def.name).updateJobProgress(parent.jobId, percent);
    return percent;
  }
}
