// HTTP routes of the agents module, second half: workflows and their runs, performance, and the Agent OS
// callback receiver.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { agentTask } from '../../../queues/agent-task.js';
import { callbackBody, verifyCallback } from '../../../pipelines/_agents/agent-os.js';
import { performance } from '../../../pipelines/_agents/performance.js';
import { pageQuery, workflowCreate, workflowRunCreate } from '../../../pipelines/_agents/schemas.js';
import { workflowView } from '../../../pipelines/_agents/workflows.js';
import type { HttpContext } from '../../http/context.js';
import { HttpError } from '../../http/errors.js';
import { sql } from '../../db/sql.js';
import { agentsContext, idOf, keysetPage, parse } from './agent-support.js';

export function agentWorkflowRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { agents, workflows, env, run } = agentsContext(ctx);

  app.post('/agents/:id/workflows', async (req, reply) => {
    const id = idOf(req);
    const body = parse(workflowCreate, req.body, 'workflow');
    return reply.status(201).send(await run(() => workflows.create(id, body)));
  });
  app.get('/agents/:id/workflows', async (req) => {
    const id = idOf(req);
    const q = parse(pageQuery, req.query, 'query');
    await run(() => agents.agent(id));
    const rows = await run(() => ctx.db.workflow.findMany({ where: { agentId: id, ...(q.before ? { id: { lt: q.before } } : {}) }, orderBy: { id: 'desc' }, take: q.limit + 1 }));
    const page = keysetPage(rows, q.limit);
    return { items: page.items.map(workflowView), next: page.next };
  });
  app.post('/workflows/:id/runs', async (req, reply) => {
    const id = idOf(req);
    const body = parse(workflowRunCreate, req.body, 'workflow run');
    return reply.status(202).send(await run(() => workflows.startRun(id, body.input)));
  });
  app.get('/workflow-runs/:id', async (req) => run(() => workflows.view(idOf(req))));
  app.post('/workflow-runs/:id/cancel', async (req, reply) => reply.status(202).send(await run(() => workflows.cancel(idOf(req)))));

  app.get('/agents/:id/performance', async (req) => {
    const id = idOf(req);
    const view = await run(() => agents.view(id));
    return { id, type: view.type, windows: await run(() => performance(env.sql, id, ctx.config.AGENT_PERFORMANCE_WINDOWS)) };
  });

  // Signed callbacks need the exact bytes that were signed: this scope keeps the raw body.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post('/agent-os/callbacks', async (req, reply) => {
      const secret = ctx.config.AGENT_OS_CALLBACK_SECRET;
      if (!secret) throw new HttpError(403, 'Agent OS callbacks are not configured (AGENT_OS_CALLBACK_SECRET)');
      const raw = typeof req.body === 'string' ? req.body : '';
      const refused = verifyCallback(secret, req.headers, raw);
      if (refused) throw new HttpError(401, `callback refused: ${refused}`);
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new HttpError(400, 'callback body is not JSON');
      }
      const body = parse(callbackBody, json, 'callback');
      const task = await run(() =>
        env.sql.maybeOne<{ id: number; agentId: number; jobGeneration: number }>(sql`
          SELECT id, agent_id AS "agentId", job_generation AS "jobGeneration" FROM agent_tasks WHERE agent_os_run_id = ${body.run_id} AND status = 'RUNNING'`),
      );
      // The callback only wakes the task early; its own polls stay the source of truth.
      if (task) {
        const id = createHash('sha256').update(String(req.headers['webhook-id'])).digest('hex').slice(0, 24);
        await run(() => env.enqueue(agentTask, { taskId: task.id, agentId: task.agentId, generation: task.jobGeneration, nudge: true }, { jobId: `task-${task.id}-cb-${id}`, priority: 1 }));
      }
      return reply.status(202).send({ accepted: true, task: task?.id ?? null });
    });
  });
}
