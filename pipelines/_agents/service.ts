// What an HTTP route or a stream command does to agents and tasks: one implementation for both, so a
// command is validated and takes effect exactly as the route that does the same thing.
import type { z } from 'zod';
import { agentTask } from '../../queues/agent-task.js';
import { agentWorkflow } from '../../queues/agent-workflow.js';
import type { Db } from '../../src/db/client.js';
import { tx, type PoolExecutor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import type { EnqueueOptions, PayloadOf, QueueDefinition } from '../../src/queue/define.js';
import type { BulkItem } from '../../src/queue/producer.js';
import type { RedisClient } from '../../src/redis.js';
import { cancelChannel } from '../../src/queue/cancel.js';
import type { AgentAdmission } from './admission.js';
import type { AgentPublisher } from './publish.js';
import { BULL_PRIORITY, INPUT_SCHEMAS, type Priority, type TaskCreate } from './schemas.js';
import * as store from './store.js';

/** The child job of an enqueue task: deterministic, so a repeated run adds nothing. */
export const enqueueChildId = (taskId: number) => `agent-task-${taskId}-job`;

/** A request that cannot take effect: the HTTP status and, for 400, the fields. */
export class AgentsError extends Error {
  constructor(readonly statusCode: 400 | 404 | 409, message: string, readonly details?: Array<{ field: string; message: string }>) {
    super(message);
  }
}

export const invalidFields = (what: string, details: Array<{ field: string; message: string }>) =>
  new AgentsError(400, `invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);

export const zodFields = (err: z.ZodError, prefix = '') => err.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)', message: i.message }));

export interface AgentsServiceEnv {
  db: Db;
  sql: PoolExecutor;
  /** For the cancel channel (the engine's: whichever process runs a job aborts it). */
  redis: RedisClient;
  prefix: string;
  enqueue: <D extends QueueDefinition>(def: D, payload: PayloadOf<D>, opts?: EnqueueOptions) => Promise<{ id: string; created: boolean }>;
  enqueueBulk: <D extends QueueDefinition>(def: D, items: ReadonlyArray<BulkItem<D>>) => Promise<Array<{ id: string }>>;
  publisher: AgentPublisher;
  admission: AgentAdmission;
  /** The engine's queues by name (the enqueue kind may start any of them but agent-task). */
  queues: ReadonlyMap<string, QueueDefinition>;
}

export interface AgentRow {
  id: number;
  name: string;
  type: string;
  config: unknown;
  status: 'IDLE' | 'RUNNING' | 'STOPPED' | 'ERROR';
  concurrencyLimit: number;
  agentOsName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** RUNNING is derived: a started agent with a task running (the row stores IDLE, STOPPED or ERROR). */
export const agentView = (a: AgentRow, running: number) => ({
  id: a.id, name: a.name, type: a.type, config: a.config, status: a.status === 'IDLE' && running > 0 ? 'RUNNING' : a.status,
  concurrencyLimit: a.concurrencyLimit, agentOsName: a.agentOsName, runningTasks: running,
  createdAt: a.createdAt.toISOString(), updatedAt: a.updatedAt.toISOString(),
});

export class AgentsService {
  constructor(private readonly env: AgentsServiceEnv) {}

  async agent(id: number): Promise<AgentRow> {
    const a = await this.env.db.agent.findFirst({ where: { id, deletedAt: null } });
    if (!a) throw new AgentsError(404, `no agent ${id}`);
    return a as AgentRow;
  }

  async running(ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    const rows = await this.env.sql.query<{ agentId: number; n: string }>(sql`
      SELECT agent_id AS "agentId", count(*) AS n FROM agent_tasks WHERE agent_id = ANY(${ids}::int[]) AND status = 'RUNNING' GROUP BY agent_id`);
    return new Map(rows.map((r) => [r.agentId, Number(r.n)]));
  }

  async view(id: number) {
    const a = await this.agent(id);
    return agentView(a, (await this.running([id])).get(id) ?? 0);
  }

  /** Validates a task's input for its kind (fields named `input.…`); the enqueue kind's payload by its queue. */
  validateTask(kind: TaskCreate['kind'], input: unknown, at = 'input'): unknown {
    const r = INPUT_SCHEMAS[kind].safeParse(input);
    if (!r.success) throw invalidFields('task', zodFields(r.error, at));
    if (kind === 'enqueue') {
      const { queue, payload } = r.data as { queue: string; payload: unknown };
      const def = this.env.queues.get(queue);
      if (!def || queue === agentTask.name) throw invalidFields('task', [{ field: `${at}.queue`, message: `no queue "${queue}" to start${queue === agentTask.name ? ' (a task cannot start another task)' : ''}` }]);
      const p = def.payload.safeParse(payload);
      if (!p.success) throw invalidFields('task', zodFields(p.error, `${at}.payload`));
    }
    return r.data;
  }

  /** With a request key (Idempotency-Key, a stream command's id) a repeat returns the first task (`created: false`). */
  async createTask(agentId: number, body: TaskCreate, o: { requestKey?: string } = {}) {
    const input = this.validateTask(body.kind, body.input);
    const agent = await this.agent(agentId);
    let inserted: { task: store.TaskRow; created: boolean };
    try {
      inserted = await store.insertTask(this.env.sql, { agentId: agent.id, kind: body.kind, input, priority: body.priority, requestKey: o.requestKey });
    } catch (err) {
      if (err instanceof store.RequestKeyConflict) throw new AgentsError(409, err.message);
      throw err;
    }
    const { task, created } = inserted;
    // A repeat of a request that failed between the insert and the enqueue enqueues now (the job id is fixed).
    if (task.status !== 'PENDING') return { task, created };
    await this.enqueueTask(task.id, agent.id, body.priority, task.jobGeneration);
    const queued = (await store.markQueued(this.env.sql, task.id)) ?? task;
    await this.env.publisher.publish('agentTaskUpdate', agent.id, store.taskView(queued));
    return { task: queued, created };
  }

  enqueueTask(taskId: number, agentId: number, priority: Priority, generation: number) {
    return this.env.enqueue(agentTask, { taskId, agentId, generation, priority }, { jobId: store.taskJobId(taskId, generation), priority: BULL_PRIORITY[priority] });
  }

  /** Cancels a task in whichever state it waits or runs; the worker running it is told through the cancel channel. */
  async cancelTask(taskId: number, reason = 'cancelled') {
    const before = await store.loadTask(this.env.sql, taskId);
    if (!before || before.agentDeleted) throw new AgentsError(404, `no task ${taskId}`);
    const after = await store.cancel(this.env.sql, taskId, reason);
    if (!after) throw new AgentsError(409, `task ${taskId} is ${before.status}: only pending, queued or running tasks can be cancelled`);
    await this.afterCancel(after, before.status);
    return after;
  }

  private async afterCancel(t: store.TaskRow, was: store.TaskStatus) {
    // A running attempt is aborted where it runs; a task waiting between Agent OS polls gets a job now
    // that cancels its run (the deferred poll would, later).
    if (was === 'RUNNING') await this.env.redis.publish(cancelChannel(this.env.prefix), JSON.stringify({ queue: agentTask.name, jobId: store.taskJobId(t.id, t.jobGeneration), reason: t.error }));
    if (t.agentOsRunId) await this.env.enqueue(agentTask, { taskId: t.id, agentId: t.agentId, generation: t.jobGeneration, nudge: true }, { jobId: `task-${t.id}-cancel`, priority: 1 });
    // An enqueue task's engine job is cancelled with it (if it is running somewhere now).
    if (t.kind === 'enqueue' && was === 'RUNNING') {
      const queue = String((t.input as { queue?: unknown }).queue);
      await this.env.redis.publish(cancelChannel(this.env.prefix), JSON.stringify({ queue, jobId: enqueueChildId(t.id), reason: t.error }));
    }
    if (t.workflowRunId) await this.env.enqueue(agentWorkflow, { runId: t.workflowRunId }, { jobId: `wf-${t.workflowRunId}-${t.stepKey}-CANCELLED` });
    await this.env.publisher.publish('agentTaskUpdate', t.agentId, store.taskView(t));
  }

  async stop(id: number) {
    await this.agent(id);
    const changed = await this.env.db.agent.updateMany({ where: { id, deletedAt: null, status: { not: 'STOPPED' } }, data: { status: 'STOPPED' } });
    if (changed.count) await this.event(id, 'agent.stopped', 'INFO', 'agent stopped: it takes no new tasks');
    return this.view(id);
  }

  /** Starts a stopped (or failed) agent and gives its parked tasks their jobs again, in priority order. */
  async start(id: number) {
    await this.agent(id);
    const resumed = await tx(this.env.sql, async (t) => {
      const n = await t.execute(sql`UPDATE agents SET status = 'IDLE', updated_at = now() WHERE id = ${id} AND deleted_at IS NULL AND status IN ('STOPPED', 'ERROR')`);
      return n ? { tasks: await store.unpark(t, id) } : null;
    });
    if (resumed) {
      // One round trip, highest priority first: the workers see them all at once, in order.
      const order = [...resumed.tasks].sort((a, b) => BULL_PRIORITY[a.priority] - BULL_PRIORITY[b.priority] || a.id - b.id);
      await this.env.enqueueBulk(agentTask, order.map((t) => ({ payload: { taskId: t.id, agentId: id, generation: t.jobGeneration, priority: t.priority }, jobId: store.taskJobId(t.id, t.jobGeneration), priority: BULL_PRIORITY[t.priority] })));
      await this.event(id, 'agent.started', 'INFO', `agent started${resumed.tasks.length ? `: ${resumed.tasks.length} waiting task(s) resumed` : ''}`);
    }
    return this.view(id);
  }

  /** Soft delete: the agent disappears from the API and its unfinished tasks are cancelled (one statement). */
  async remove(id: number) {
    await this.agent(id);
    await this.env.db.agent.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: new Date(), status: 'STOPPED' } });
    await this.env.admission.cacheLimit(id, null);
    const running = new Set((await this.env.sql.query<{ id: number }>(sql`SELECT id FROM agent_tasks WHERE agent_id = ${id} AND status = 'RUNNING'`)).map((r) => r.id));
    const cancelled = await store.cancelAll(this.env.sql, id, 'agent deleted');
    // Only the tasks that were running, or wait on an Agent OS run or a workflow, need more than the row.
    for (const t of cancelled) {
      if (running.has(t.id) || t.agentOsRunId || t.workflowRunId) await this.afterCancel(t, running.has(t.id) ? 'RUNNING' : 'QUEUED');
    }
    await this.event(id, 'agent.deleted', 'WARNING', `agent deleted; ${cancelled.length} task(s) cancelled`);
    return { id, deleted: true, cancelledTasks: cancelled.length };
  }

  /** Creates or changes an agent's concurrency limit: the tasks' fast path reads it from Redis. */
  cacheLimit(agentId: number, limit: number) {
    return this.env.admission.cacheLimit(agentId, limit);
  }

  async event(agentId: number, type: string, severity: 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL', message: string, data: Record<string, unknown> = {}) {
    const e = await this.env.db.agentEvent.create({ data: { agentId, type, severity, message, data: data as object } });
    const view = eventView(e);
    await this.env.publisher.publish(type.startsWith('agent.') ? 'agentStatusUpdate' : 'agentEvent', agentId, type.startsWith('agent.') ? { ...view, status: await this.view(agentId).then((a) => a.status, () => 'DELETED') } : view);
    if (severity === 'ERROR' || severity === 'CRITICAL') await this.env.publisher.publish('agentError', agentId, view);
    return view;
  }
}

export const eventView = (e: { id: bigint; agentId: number; taskId: number | null; type: string; severity: string; message: string; data: unknown; createdAt: Date }) => ({
  id: String(e.id), agentId: e.agentId, taskId: e.taskId, type: e.type, severity: e.severity, message: e.message, data: e.data, createdAt: e.createdAt.toISOString(),
});
