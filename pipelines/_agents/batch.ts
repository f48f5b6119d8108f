// Group commit for the two statements every task runs (its start and its end): calls arriving while a
// batch is in flight go together as the next one (src/db/coalesce.ts), so a busy engine sends one
// statement for many tasks and an idle one sends each at once. Each caller still waits for its own row.
// `t.id = ANY(ids)` beside the join on the unnested rows is deliberate: it lets the planner start from the
// primary key whatever its statistics say (with fresh bulk inserts it otherwise scanned every queued
// task of every agent for each batch).
import { coalesce } from '../../src/db/coalesce.js';
import type { Executor } from '../../src/db/executor.js';
import { ASYNC_COMMIT, sql } from '../../src/db/sql.js';
import { AGENT_COLUMNS, TASK_COLUMNS, type TaskRow, type TaskWithAgent } from './store.js';

export interface ClaimKey {
  id: number;
  generation: number;
  attempt: number;
}

/** What a task's end changed (with `agentId` for its event). */
export type FinishedRow = Pick<TaskRow, 'id' | 'agentId' | 'status' | 'error' | 'agentOsRunId' | 'finishedAt'>;

export interface FinishKey {
  id: number;
  status: 'COMPLETED' | 'FAILED' | 'TIMED_OUT';
  output?: unknown;
  error?: string;
}

const byId = <T extends { id: number }>(rows: T[], keys: Array<{ id: number }>) => {
  const m = new Map(rows.map((r) => [r.id, r]));
  return keys.map((k) => m.get(k.id) ?? null);
};

export function taskBatches(ex: Executor) {
  /**
   * The hot path's start: a queued task of this job generation whose agent is started becomes RUNNING and
   * comes back with its agent; null when anything else holds (the caller then loads and looks).
   */
  const claim = coalesce(async (keys: ClaimKey[]) => {
    const ids = keys.map((k) => k.id);
    // The agent is checked per task row (a subquery on its primary key) and joined after the update:
    // with agents in the UPDATE's FROM the planner started from them and probed every agent's tasks.
    // Committed without waiting for the WAL flush: a start lost in a PostgreSQL crash leaves the task
    // QUEUED and its job is re-run (as after a worker crash); its end is durable, and that commit's flush
    // takes the start with it.
    const rows = await ex.query<TaskWithAgent>(sql`
      WITH x AS (SELECT * FROM unnest(${ids}::int[], ${keys.map((k) => k.generation)}::int[], ${keys.map((k) => k.attempt)}::int[]) AS x(id, generation, attempt)),
      moved AS (
        UPDATE agent_tasks t SET status = 'RUNNING', started_at = COALESCE(t.started_at, now()), queued_at = COALESCE(t.queued_at, t.created_at), attempts = x.attempt, parked = false
        FROM x CROSS JOIN (${ASYNC_COMMIT}) AS async_commit
        WHERE t.id = ANY(${ids}::int[]) AND t.id = x.id AND t.status IN ('PENDING', 'QUEUED') AND t.job_generation = x.generation
          AND (SELECT a.status IN ('IDLE', 'RUNNING') AND a.deleted_at IS NULL FROM agents a WHERE a.id = t.agent_id)
        RETURNING ${TASK_COLUMNS}
      ), ev AS (
        INSERT INTO agent_events (agent_id, task_id, type, severity, message)
        SELECT "agentId", id, 'task.running', 'INFO', 'task running (attempt ' || attempts || ')' FROM moved
      )
      SELECT moved.*, ${AGENT_COLUMNS} FROM moved JOIN agents a ON a.id = moved."agentId"`, { prepare: 'agents-claim' });
    return byId(rows, keys);
  });

  /**
   * Ends a running task with its outcome; null when it is no longer running (cancelled meanwhile). Only
   * what the end changed comes back (the caller holds the rest of the row): reading the whole row again,
   * input and output JSON included, cost more than the update.
   */
  const finish = coalesce(async (keys: FinishKey[]) => {
    const rows = await ex.query<FinishedRow>(sql`
      WITH x AS (
        SELECT * FROM unnest(${keys.map((k) => k.id)}::int[], ${keys.map((k) => k.status)}::text[],
          ${keys.map((k) => (k.output === undefined ? null : JSON.stringify(k.output)))}::jsonb[], ${keys.map((k) => k.error ?? null)}::text[]) AS x(id, status, output, error)
      ),
      moved AS (
        UPDATE agent_tasks t SET status = x.status::"TaskStatus", output = x.output, error = x.error, finished_at = now()
        FROM x WHERE t.id = ANY(${keys.map((k) => k.id)}::int[]) AND t.id = x.id AND t.status = 'RUNNING'
        RETURNING t.id, t.agent_id AS "agentId", t.status, t.error, t.agent_os_run_id AS "agentOsRunId", t.finished_at AS "finishedAt"
      ), ev AS (
        INSERT INTO agent_events (agent_id, task_id, type, severity, message)
        SELECT "agentId", id, 'task.' || lower(status::text), (CASE WHEN status = 'COMPLETED' THEN 'INFO' ELSE 'ERROR' END)::"EventSeverity",
               COALESCE(left(error, 2000), 'task ' || lower(status::text)) FROM moved
      )
      SELECT * FROM moved`, { prepare: 'agents-finish' });
    return byId(rows, keys);
  });

  return { claim, finish };
}

export type TaskBatches = ReturnType<typeof taskBatches>;
