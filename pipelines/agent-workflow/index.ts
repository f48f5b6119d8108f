// agent-workflow: advance one run. Steps: lock the run → record steps whose tasks ended → repeatedly fail
// or skip the dependants of failed steps and create the tasks of ready ones → end the run when every step
// has → after the commit, give the run's new tasks their jobs.
//
// Everything lives in PostgreSQL (the run, a row per step, the step tasks), so an advance killed anywhere
// is simply run again: a task created but not yet enqueued is enqueued by the next advance (its job id is
// deterministic, so enqueueing twice adds nothing).
import type { z } from 'zod';
import type { agentWorkflowPayload } from '../../queues/agent-workflow.js';
import { tx, type Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import type { JobContext } from '../../src/queue/define.js';
import { nextMoves, resolveRefs, type StepState } from '../_agents/dag.js';
import type { AgentsEngineDeps } from '../_agents/deps.js';
import type { Priority, TaskKind, WorkflowStep } from '../_agents/schemas.js';
import { AgentsError } from '../_agents/service.js';
import * as store from '../_agents/store.js';

type Ctx = JobContext<AgentsEngineDeps>;

interface RunRow {
  id: number;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  input: unknown;
  steps: WorkflowStep[];
  onFailure: 'FAIL' | 'SKIP';
  agentId: number;
}

export async function run(p: z.output<typeof agentWorkflowPayload>, ctx: Ctx) {
  const d = ctx.deps;
  const result = await tx(d.sql, (t) => advance(t, p.runId, ctx));
  if (!result) return { skipped: 'no such run' };
  const pending = await d.sql.query<{ id: number; priority: Priority; jobGeneration: number }>(sql`
    SELECT id, priority, job_generation AS "jobGeneration" FROM agent_tasks WHERE workflow_run_id = ${p.runId} AND status = 'PENDING'`);
  for (const t of pending) {
    await d.agents.enqueueTask(t.id, result.agentId, t.priority, t.jobGeneration);
    const queued = await store.markQueued(d.sql, t.id);
    if (queued) await d.agentPublisher.publish('agentTaskUpdate', result.agentId, store.taskView(queued));
  }
  if (result.ended) {
    await d.agents.event(result.agentId, `workflow.${result.ended.toLowerCase()}`, result.ended === 'COMPLETED' ? 'INFO' : 'ERROR', `workflow run ${p.runId} ${result.ended.toLowerCase()}`, { runId: p.runId });
  }
  return { runId: p.runId, started: result.started, ended: result.ended ?? null, counts: {} };
}

async function advance(t: Executor, runId: number, ctx: Ctx) {
  const run = await t.maybeOne<RunRow>(sql`
    SELECT r.id, r.status, r.input, w.steps, w.on_failure AS "onFailure", w.agent_id AS "agentId"
    FROM workflow_runs r JOIN workflows w ON w.id = r.workflow_id WHERE r.id = ${runId} FOR UPDATE OF r`);
  if (!run) return null;
  // Steps whose tasks ended take the task's outcome.
  await t.execute(sql`
    UPDATE workflow_step_runs s
    SET status = (CASE t.status WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'CANCELLED' THEN 'CANCELLED' ELSE 'FAILED' END)::"StepStatus",
        output = t.output, error = t.error, finished_at = t.finished_at
    FROM agent_tasks t
    WHERE s.run_id = ${runId} AND s.status = 'RUNNING' AND t.id = s.task_id AND t.status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT')`);
  if (run.status !== 'RUNNING') return { agentId: run.agentId, started: 0, ended: undefined };

  const rows = await t.query<{ key: string; status: StepState; output: unknown }>(sql`SELECT key, status, output FROM workflow_step_runs WHERE run_id = ${runId}`);
  const states = new Map(rows.map((r) => [r.key, r.status]));
  const outputs = new Map(rows.map((r) => [r.key, r.output]));
  const byKey = new Map(run.steps.map((s) => [s.key, s]));
  let started = 0;
  // A step that cannot start (its resolved input is invalid) fails now, which may block others: repeat.
  for (let round = 0; round <= run.steps.length; round++) {
    const moves = nextMoves(run.steps, states, run.onFailure);
    if (!moves.start.length && !moves.block.length) break;
    if (moves.block.length) {
      await t.execute(sql`
        UPDATE workflow_step_runs SET status = ${moves.blockAs}::"StepStatus", error = 'a step it depends on did not complete', finished_at = now()
        WHERE run_id = ${runId} AND key = ANY(${moves.block}::text[]) AND status = 'PENDING'`);
      for (const k of moves.block) states.set(k, moves.blockAs);
    }
    for (const key of moves.start) {
      const step = byKey.get(key)!;
      try {
        const input = ctx.deps.agents.validateTask(step.kind as TaskKind, resolveRefs(step.input, outputs, run.input), `steps.${key}.input`);
        const { task } = await store.insertTask(t, { agentId: run.agentId, kind: step.kind as TaskKind, input, priority: step.priority, workflowRunId: runId, stepKey: key });
        await t.execute(sql`UPDATE workflow_step_runs SET status = 'RUNNING', task_id = ${task.id}, started_at = now() WHERE run_id = ${runId} AND key = ${key}`);
        states.set(key, 'RUNNING');
        started++;
      } catch (err) {
        if (!(err instanceof AgentsError)) throw err;
        await t.execute(sql`UPDATE workflow_step_runs SET status = 'FAILED', error = ${err.message}, finished_at = now() WHERE run_id = ${runId} AND key = ${key}`);
        states.set(key, 'FAILED');
      }
    }
  }
  const { finished, outcome } = nextMoves(run.steps, states, run.onFailure);
  if (!finished) return { agentId: run.agentId, started, ended: undefined };
  const failedSteps = [...states].filter(([, s]) => s === 'FAILED').map(([k]) => k);
  await t.execute(sql`
    UPDATE workflow_runs SET status = ${outcome}::"WorkflowRunStatus", finished_at = now(),
      error = ${failedSteps.length ? `failed steps: ${failedSteps.join(', ')}` : null}
    WHERE id = ${runId} AND status = 'RUNNING'`);
  return { agentId: run.agentId, started, ended: outcome };
}
