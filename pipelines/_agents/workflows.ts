// Workflows as the API sees them: creation (the DAG validated, problems named), runs (started, shown,
// cancelled as a whole). Advancing a run is the agent-workflow queue's job.
import { agentWorkflow } from '../../queues/agent-workflow.js';
import { tx } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { validateDag } from './dag.js';
import type { workflowCreate } from './schemas.js';
import { AgentsError, invalidFields, type AgentsService, type AgentsServiceEnv } from './service.js';
import type { z } from 'zod';

export const workflowView = (w: { id: number; agentId: number; name: string; steps: unknown; onFailure: string; createdAt: Date }) => ({
  id: w.id, agentId: w.agentId, name: w.name, steps: w.steps, onFailure: w.onFailure, createdAt: w.createdAt.toISOString(),
});

export class Workflows {
  constructor(private readonly env: AgentsServiceEnv, private readonly agents: AgentsService) {}

  async create(agentId: number, body: z.output<typeof workflowCreate>) {
    await this.agents.agent(agentId);
    const problems = validateDag(body.steps);
    if (problems.length) throw invalidFields('workflow', problems);
    const w = await this.env.db.workflow.create({ data: { agentId, name: body.name, steps: body.steps as object[], onFailure: body.onFailure } });
    return workflowView(w);
  }

  /** A run's row and one row per step (all PENDING), then the first advance starts the ready steps. */
  async startRun(workflowId: number, input: Record<string, unknown>) {
    const w = await this.env.db.workflow.findFirst({ where: { id: workflowId, agent: { deletedAt: null } } });
    if (!w) throw new AgentsError(404, `no workflow ${workflowId}`);
    const keys = (w.steps as Array<{ key: string }>).map((s) => s.key);
    const runId = await tx(this.env.sql, async (t) => {
      const { id } = await t.one<{ id: number }>(sql`INSERT INTO workflow_runs (workflow_id, input) VALUES (${workflowId}, ${JSON.stringify(input)}::jsonb) RETURNING id`);
      await t.execute(sql`INSERT INTO workflow_step_runs (run_id, key) SELECT ${id}, k FROM unnest(${keys}::text[]) AS k`);
      return id;
    });
    await this.env.enqueue(agentWorkflow, { runId }, { jobId: `wf-${runId}-start` });
    return this.view(runId);
  }

  async view(runId: number) {
    const run = await this.env.db.workflowRun.findUnique({ where: { id: runId }, include: { steps: { orderBy: { id: 'asc' } } } });
    if (!run) throw new AgentsError(404, `no workflow run ${runId}`);
    return {
      id: run.id, workflowId: run.workflowId, status: run.status, input: run.input, error: run.error,
      createdAt: run.createdAt.toISOString(), finishedAt: run.finishedAt?.toISOString() ?? null,
      steps: run.steps.map((s) => ({
        key: s.key, status: s.status, taskId: s.taskId, output: s.output ?? null, error: s.error,
        startedAt: s.startedAt?.toISOString() ?? null, finishedAt: s.finishedAt?.toISOString() ?? null,
      })),
    };
  }

  /** Cancels the run: pending steps never start, running steps' tasks are cancelled where they run. */
  async cancel(runId: number) {
    const cancelled = await tx(this.env.sql, async (t) => {
      const n = await t.execute(sql`UPDATE workflow_runs SET status = 'CANCELLED', error = 'cancelled', finished_at = now() WHERE id = ${runId} AND status = 'RUNNING'`);
      if (!n) return null;
      await t.execute(sql`UPDATE workflow_step_runs SET status = 'CANCELLED', finished_at = now() WHERE run_id = ${runId} AND status = 'PENDING'`);
      return t.query<{ taskId: number }>(sql`SELECT task_id AS "taskId" FROM workflow_step_runs WHERE run_id = ${runId} AND status = 'RUNNING' AND task_id IS NOT NULL`);
    });
    if (!cancelled) {
      const exists = await this.env.db.workflowRun.findUnique({ where: { id: runId } });
      if (!exists) throw new AgentsError(404, `no workflow run ${runId}`);
      throw new AgentsError(409, `workflow run ${runId} is ${exists.status}: only a running run can be cancelled`);
    }
    for (const { taskId } of cancelled) {
      await this.agents.cancelTask(taskId, 'workflow run cancelled').catch((err) => {
        if (!(err instanceof AgentsError && err.statusCode === 409)) throw err; // ended meanwhile
      });
    }
    return this.view(runId);
  }
}
