// A task's lifecycle in PostgreSQL. Each transition is one conditional UPDATE (a task moves only from the
// states it may leave, so a cancel racing a finish has one winner) that writes its agent event in the
// same statement (a CTE): the event row exists exactly when the transition happened.
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import type { Priority, TaskKind } from './schemas.js';

export type TaskStatus = 'PENDING' | 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';
export const FINAL: ReadonlySet<TaskStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export interface TaskRow {
  id: number;
  agentId: number;
  kind: TaskKind;
  input: Record<string, unknown>;
  priority: Priority;
  status: TaskStatus;
  output: unknown;
  error: string | null;
  attempts: number;
  parked: boolean;
  jobGeneration: number;
  agentOsRunId: string | null;
  workflowRunId: number | null;
  stepKey: string | null;
  createdAt: Date;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const TASK_COLUMNS = sql`t.id, t.agent_id AS "agentId", t.kind, t.input, t.priority, t.status, t.output, t.error, t.attempts, t.parked,
  t.job_generation AS "jobGeneration", t.agent_os_run_id AS "agentOsRunId", t.workflow_run_id AS "workflowRunId", t.step_key AS "stepKey",
  t.created_at AS "createdAt", t.queued_at AS "queuedAt", t.started_at AS "startedAt", t.finished_at AS "finishedAt"`;

export const AGENT_COLUMNS = sql`a.status AS "agentStatus", a.type AS "agentType", a.concurrency_limit AS "concurrencyLimit",
  a.agent_os_name AS "agentOsName", a.deleted_at IS NOT NULL AS "agentDeleted"`;

export interface TaskWithAgent extends TaskRow {
  agentStatus: 'IDLE' | 'RUNNING' | 'STOPPED' | 'ERROR';
  agentType: string;
  concurrencyLimit: number;
  agentOsName: string | null;
  agentDeleted: boolean;
}

export const taskView = (t: TaskRow) => ({
  id: t.id, agentId: t.agentId, kind: t.kind, input: t.input, priority: t.priority, status: t.status, output: t.output ?? null,
  error: t.error, attempts: t.attempts, agentOsRunId: t.agentOsRunId, workflowRunId: t.workflowRunId, stepKey: t.stepKey,
  createdAt: t.createdAt.toISOString(), queuedAt: t.queuedAt?.toISOString() ?? null, startedAt: t.startedAt?.toISOString() ?? null,
  finishedAt: t.finishedAt?.toISOString() ?? null,
});
export type TaskView = ReturnType<typeof taskView>;

export function loadTask(ex: Executor, id: number): Promise<TaskWithAgent | null> {
  return ex.maybeOne<TaskWithAgent>(sql`
    SELECT ${TASK_COLUMNS}, ${AGENT_COLUMNS}
    FROM agent_tasks t JOIN agents a ON a.id = t.agent_id WHERE t.id = ${id}`);
}

/** One conditional transition plus its event; null when the task was not in one of `from`. */
function transition(ex: Executor, id: number, from: readonly TaskStatus[], set: ReturnType<typeof sql>, event: { type: string; severity: string; message: string; data?: unknown }) {
  return ex.maybeOne<TaskRow>(sql`
    WITH moved AS (
      UPDATE agent_tasks t SET ${set} WHERE t.id = ${id} AND t.status = ANY(${from}::"TaskStatus"[]) RETURNING ${TASK_COLUMNS}
    ), ev AS (
      INSERT INTO agent_events (agent_id, task_id, type, severity, message, data)
      SELECT "agentId", id, ${event.type}, ${event.severity}::"EventSeverity", ${event.message}, ${JSON.stringify(event.data ?? {})}::jsonb FROM moved
    )
    SELECT * FROM moved`);
}

export const markQueued = (ex: Executor, id: number) =>
  transition(ex, id, ['PENDING'], sql`status = 'QUEUED', queued_at = COALESCE(queued_at, now())`, { type: 'task.queued', severity: 'INFO', message: 'task queued' });

/** Starts an attempt: the queue wait ends here. */
export const claim = (ex: Executor, id: number, attempt: number) =>
  transition(ex, id, ['PENDING', 'QUEUED'], sql`status = 'RUNNING', started_at = COALESCE(started_at, now()), queued_at = COALESCE(queued_at, created_at), attempts = ${attempt}, parked = false`, {
    type: 'task.running', severity: 'INFO', message: `task running (attempt ${attempt})`,
  });

/** A retryable failure with attempts left: the task waits for its next attempt. */
export const requeue = (ex: Executor, id: number, error: string) =>
  transition(ex, id, ['RUNNING'], sql`status = 'QUEUED', error = ${error}`, { type: 'task.retrying', severity: 'WARNING', message: error.slice(0, 2000) });

export const cancel = (ex: Executor, id: number, reason: string) =>
  transition(ex, id, ['PENDING', 'QUEUED', 'RUNNING'], sql`status = 'CANCELLED', error = ${reason}, finished_at = now(), parked = false`, { type: 'task.cancelled', severity: 'WARNING', message: reason });

/** Cancels every unfinished task of an agent, with their events, in one statement. */
export function cancelAll(ex: Executor, agentId: number, reason: string) {
  return ex.query<TaskRow>(sql`
    WITH moved AS (
      UPDATE agent_tasks t SET status = 'CANCELLED', error = ${reason}, finished_at = now(), parked = false
      WHERE t.agent_id = ${agentId} AND t.status IN ('PENDING', 'QUEUED', 'RUNNING') RETURNING ${TASK_COLUMNS}
    ), ev AS (
      INSERT INTO agent_events (agent_id, task_id, type, severity, message)
      SELECT "agentId", id, 'task.cancelled', 'WARNING', ${reason} FROM moved
    )
    SELECT * FROM moved`);
}

/**
 * Parks a task whose agent is stopped (or in error), unless the agent was started meanwhile: the agent's
 * row is read FOR SHARE, so a concurrent start (which updates that row, then resumes parked tasks)
 * either sees this park or this statement sees the started agent.
 */
export async function park(ex: Executor, id: number, agentId: number): Promise<boolean> {
  const n = await ex.execute(sql`
    WITH a AS (SELECT id FROM agents WHERE id = ${agentId} AND status IN ('STOPPED', 'ERROR') FOR SHARE)
    UPDATE agent_tasks SET parked = true WHERE id = ${id} AND status IN ('PENDING', 'QUEUED') AND EXISTS (SELECT 1 FROM a)`);
  return n > 0;
}

/** Un-parks an agent's parked tasks, each with a new job generation (its job to enqueue). */
export function unpark(ex: Executor, agentId: number) {
  return ex.query<{ id: number; priority: Priority; jobGeneration: number }>(sql`
    UPDATE agent_tasks SET parked = false, job_generation = job_generation + 1
    WHERE agent_id = ${agentId} AND parked AND status IN ('PENDING', 'QUEUED')
    RETURNING id, priority, job_generation AS "jobGeneration"`);
}

export const setRunId = (ex: Executor, id: number, runId: string) => ex.execute(sql`UPDATE agent_tasks SET agent_os_run_id = ${runId} WHERE id = ${id} AND agent_os_run_id IS NULL`);

/**
 * Inserts a task; with a request key, a repeat returns the task the key created first (`created: false`),
 * or a conflict when the key was used for another agent, kind or input.
 */
export async function insertTask(ex: Executor, t: { agentId: number; kind: TaskKind; input: unknown; priority: Priority; workflowRunId?: number; stepKey?: string; requestKey?: string }): Promise<{ task: TaskRow; created: boolean }> {
  const input = JSON.stringify(t.input);
  const row = await ex.maybeOne<TaskRow>(sql`
    INSERT INTO agent_tasks AS t (agent_id, kind, input, priority, workflow_run_id, step_key, request_key)
    VALUES (${t.agentId}, ${t.kind}, ${input}::jsonb, ${t.priority}::"TaskPriority", ${t.workflowRunId ?? null}::int, ${t.stepKey ?? null}, ${t.requestKey ?? null})
    ON CONFLICT (request_key) WHERE request_key IS NOT NULL DO NOTHING
    RETURNING ${TASK_COLUMNS}`);
  if (row) return { task: row, created: true };
  const first = await ex.one<TaskRow & { same: boolean }>(sql`
    SELECT ${TASK_COLUMNS}, (t.agent_id = ${t.agentId} AND t.kind = ${t.kind} AND t.input = ${input}::jsonb AND t.priority = ${t.priority}::"TaskPriority") AS same
    FROM agent_tasks t WHERE t.request_key = ${t.requestKey ?? null}`);
  if (!first.same) throw new RequestKeyConflict(`Idempotency-Key "${t.requestKey}" was used for task ${first.id} with another agent, kind, input or priority`);
  return { task: first, created: false };
}

export class RequestKeyConflict extends Error {
  override name = 'RequestKeyConflict';
}

/**
 * Puts a started agent into ERROR when its last `n` tasks that ended for a reason of their own (not
 * cancelled) all failed or timed out. Returns whether it did.
 */
export async function errorAfterFailures(ex: Executor, agentId: number, n: number): Promise<boolean> {
  if (n <= 0) return false;
  const moved = await ex.execute(sql`
    UPDATE agents SET status = 'ERROR', updated_at = now()
    WHERE id = ${agentId} AND status = 'IDLE' AND deleted_at IS NULL AND (
      SELECT count(*) = ${n} AND bool_and(status <> 'COMPLETED') FROM (
        SELECT status FROM agent_tasks WHERE agent_id = ${agentId} AND finished_at IS NOT NULL AND status <> 'CANCELLED'
        ORDER BY finished_at DESC LIMIT ${n}
      ) last
    )`);
  return moved > 0;
}

/** Tasks that lost their job: PENDING for a minute (a crash between the insert and the enqueue) or QUEUED, not parked, for ten. */
export function strayTasks(ex: Executor, limit: number) {
  return ex.query<{ id: number; agentId: number; priority: Priority; jobGeneration: number }>(sql`
    SELECT id, agent_id AS "agentId", priority, job_generation AS "jobGeneration" FROM agent_tasks
    WHERE (status = 'PENDING' AND created_at < now() - interval '1 minute')
       OR (status = 'QUEUED' AND NOT parked AND COALESCE(queued_at, created_at) < now() - interval '10 minutes')
    ORDER BY id LIMIT ${limit}`);
}

/** The BullMQ job of a task's current generation. */
export const taskJobId = (taskId: number, generation: number) => `task-${taskId}-${generation}`;
