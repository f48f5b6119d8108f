// HTTP routes of the agents module (behind the engine's API key): agents and their lifecycle, tasks,
// events, insights and integrations. Workflows, performance and Agent OS callbacks are in agent-workflows.ts.
// Every body is validated by the schema a stream command uses too (pipelines/_agents/schemas.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { insightView } from '../../../pipelines/_agents/insight.js';
import { agentCreate, agentPatch, eventCreate, insightCreate, integrationCreate, pageQuery, taskCreate } from '../../../pipelines/_agents/schemas.js';
import { agentView, eventView, type AgentRow } from '../../../pipelines/_agents/service.js';
import { taskView, TASK_COLUMNS, type TaskRow } from '../../../pipelines/_agents/store.js';
import type { HttpContext } from '../../http/context.js';
import { HttpError } from '../../http/errors.js';
import { sql } from '../../db/sql.js';
import { agentsContext, idOf, keysetPage, parse } from './agent-support.js';

const idempotencyKey = z.string().min(1).max(200).optional();
const agentList = pageQuery.extend({ type: z.string().max(60).optional(), status: z.enum(['IDLE', 'RUNNING', 'STOPPED', 'ERROR']).optional() });
const taskList = pageQuery.extend({ status: z.enum(['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']).optional() });
const eventList = pageQuery.extend({
  before: z.string().regex(/^[1-9]\d{0,17}$/, 'must be a positive integer').optional(),
  severity: z.enum(['INFO', 'WARNING', 'ERROR', 'CRITICAL']).optional(),
});

/** Never the secret: only whether there is one. */
const integrationView = (i: { id: number; name: string; baseUrl: string; authHeader: string; secret: string | null; createdAt: Date; updatedAt: Date }) => ({
  id: i.id, name: i.name, baseUrl: i.baseUrl, authHeader: i.authHeader, hasSecret: Boolean(i.secret), createdAt: i.createdAt.toISOString(), updatedAt: i.updatedAt.toISOString(),
});

export function agentRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { agents, env, run } = agentsContext(ctx);
  const { db } = ctx;

  // ---- integrations (a static path: it wins over /agents/:id)
  app.post('/agents/integrations', async (req, reply) => {
    const body = parse(integrationCreate, req.body, 'integration');
    const exists = await run(() => db.integration.findUnique({ where: { name: body.name } }));
    if (exists) throw new HttpError(409, `an integration named "${body.name}" exists`);
    const i = await run(() => db.integration.create({ data: { name: body.name, baseUrl: body.baseUrl, authHeader: body.authHeader, secret: body.secret ?? null } }));
    return reply.status(201).send(integrationView(i));
  });
  app.get('/agents/integrations', async (req) => {
    const q = parse(pageQuery, req.query, 'query');
    const rows = await run(() => db.integration.findMany({ where: q.before ? { id: { lt: q.before } } : {}, orderBy: { id: 'desc' }, take: q.limit + 1 }));
    const page = keysetPage(rows, q.limit);
    return { items: page.items.map(integrationView), next: page.next };
  });

  // ---- agents
  app.post('/agents', async (req, reply) => {
    const body = parse(agentCreate, req.body, 'agent');
    const a = await run(() => db.agent.create({ data: { name: body.name, type: body.type, config: body.config as object, concurrencyLimit: body.concurrencyLimit, agentOsName: body.agentOsName ?? null } }));
    await run(() => agents.cacheLimit(a.id, a.concurrencyLimit));
    await run(() => agents.event(a.id, 'agent.created', 'INFO', `agent "${a.name}" created`));
    return reply.status(201).send(agentView(a as AgentRow, 0));
  });
  app.get('/agents', async (req) => {
    const q = parse(agentList, req.query, 'query');
    // RUNNING is derived (IDLE with a task running): filter on the stored status, then on the view.
    const stored = q.status === 'RUNNING' ? 'IDLE' : q.status;
    const rows = await run(() =>
      db.agent.findMany({ where: { deletedAt: null, ...(q.type ? { type: q.type } : {}), ...(stored ? { status: stored } : {}), ...(q.before ? { id: { lt: q.before } } : {}) }, orderBy: { id: 'desc' }, take: q.limit + 1 }),
    );
    const page = keysetPage(rows, q.limit);
    const running = await run(() => agents.running(page.items.map((a) => a.id)));
    let items = page.items.map((a) => agentView(a as AgentRow, running.get(a.id) ?? 0));
    if (q.status === 'RUNNING' || q.status === 'IDLE') items = items.filter((a) => a.status === q.status);
    return { items, next: page.next };
  });
  app.get('/agents/:id', async (req) => run(() => agents.view(idOf(req))));
  app.patch('/agents/:id', async (req) => {
    const id = idOf(req);
    const body = parse(agentPatch, req.body, 'agent');
    await run(() => agents.agent(id));
    const a = await run(() => db.agent.update({ where: { id }, data: { ...body, config: body.config as object | undefined } }));
    await run(() => agents.cacheLimit(id, a.concurrencyLimit));
    await run(() => agents.event(id, 'agent.updated', 'INFO', `agent updated: ${Object.keys(body).join(', ')}`));
    return run(() => agents.view(id));
  });
  app.delete('/agents/:id', async (req) => run(() => agents.remove(idOf(req))));
  app.post('/agents/:id/start', async (req) => run(() => agents.start(idOf(req))));
  app.post('/agents/:id/stop', async (req) => run(() => agents.stop(idOf(req))));
  app.get('/agents/:id/status', async (req) => {
    const id = idOf(req);
    const view = await run(() => agents.view(id));
    const counts = await run(() =>
      env.sql.query<{ status: string; parked: boolean; n: string }>(sql`SELECT status, parked, count(*) AS n FROM agent_tasks WHERE agent_id = ${id} AND status IN ('PENDING', 'QUEUED', 'RUNNING') GROUP BY status, parked`),
    );
    const n = (f: (c: { status: string; parked: boolean }) => boolean) => counts.filter(f).reduce((s, c) => s + Number(c.n), 0);
    return { id, status: view.status, running: n((c) => c.status === 'RUNNING'), queued: n((c) => c.status !== 'RUNNING' && !c.parked), waitingForStart: n((c) => c.parked), concurrencyLimit: view.concurrencyLimit };
  });
  app.get('/agents/:id/health', async (req) => {
    const id = idOf(req);
    const view = await run(() => agents.view(id));
    const recent = await run(() =>
      env.sql.query<{ status: string; finishedAt: Date }>(sql`
        SELECT status, finished_at AS "finishedAt" FROM agent_tasks WHERE agent_id = ${id} AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 20`),
    );
    const failures = recent.filter((t) => t.status !== 'COMPLETED' && t.status !== 'CANCELLED').length;
    const streak = recent.findIndex((t) => t.status === 'COMPLETED');
    const consecutiveFailures = streak === -1 ? failures : recent.slice(0, streak).filter((t) => t.status !== 'CANCELLED').length;
    const healthy = view.status !== 'ERROR' && consecutiveFailures < 3;
    return { id, healthy, status: view.status, consecutiveFailures, recentFailures: failures, recentTasks: recent.length, lastTaskAt: recent[0]?.finishedAt.toISOString() ?? null };
  });

  // ---- tasks
  app.post('/agents/:id/tasks', async (req, reply) => {
    const id = idOf(req);
    const header = idempotencyKey.safeParse(req.headers['idempotency-key']);
    if (!header.success) throw new HttpError(400, 'Idempotency-Key header must be 1–200 characters', [{ field: 'Idempotency-Key', message: 'must be 1–200 characters' }]);
    const key = header.data;
    const body = parse(taskCreate, req.body, 'task');
    const { task, created } = await run(() => agents.createTask(id, body, { requestKey: key === undefined ? undefined : `http:${key}` }));
    return reply.status(created ? 202 : 200).send(taskView(task));
  });
  app.get('/agents/:id/tasks', async (req) => {
    const id = idOf(req);
    const q = parse(taskList, req.query, 'query');
    await run(() => agents.agent(id));
    const rows = await run(() =>
      env.sql.query<TaskRow>(sql`
        SELECT ${TASK_COLUMNS} FROM agent_tasks t WHERE t.agent_id = ${id}
        ${q.status ? sql`AND t.status = ${q.status}::"TaskStatus"` : sql.empty} ${q.before ? sql`AND t.id < ${q.before}` : sql.empty}
        ORDER BY t.id DESC LIMIT ${q.limit + 1}`),
    );
    const page = keysetPage(rows, q.limit);
    return { items: page.items.map(taskView), next: page.next };
  });
  app.get('/tasks/:id', async (req) => {
    const id = idOf(req);
    const t = await run(() => env.sql.maybeOne<TaskRow>(sql`SELECT ${TASK_COLUMNS} FROM agent_tasks t JOIN agents a ON a.id = t.agent_id WHERE t.id = ${id} AND a.deleted_at IS NULL`));
    if (!t) throw new HttpError(404, `no task ${id}`);
    return taskView(t);
  });
  app.post('/tasks/:id/cancel', async (req, reply) => {
    const t = await run(() => agents.cancelTask(idOf(req), 'cancelled through the API'));
    return reply.status(202).send(taskView(t));
  });

  // ---- events
  app.post('/agents/:id/events', async (req, reply) => {
    const id = idOf(req);
    const body = parse(eventCreate, req.body, 'event');
    await run(() => agents.agent(id));
    return reply.status(201).send(await run(() => agents.event(id, body.type, body.severity, body.message, body.data)));
  });
  app.get('/agents/:id/events', async (req) => {
    const id = idOf(req);
    const q = parse(eventList, req.query, 'query');
    await run(() => agents.agent(id));
    const rows = await run(() =>
      db.agentEvent.findMany({ where: { agentId: id, ...(q.severity ? { severity: q.severity } : {}), ...(q.before ? { id: { lt: BigInt(q.before) } } : {}) }, orderBy: { id: 'desc' }, take: q.limit + 1 }),
    );
    const page = keysetPage(rows, q.limit);
    return { items: page.items.map(eventView), next: page.next };
  });

  // ---- insights
  app.post('/agents/:id/insights', async (req, reply) => {
    const id = idOf(req);
    const body = parse(insightCreate, req.body, 'insight');
    await run(() => agents.agent(id));
    const i = await run(() => db.insight.create({ data: { agentId: id, matchId: body.matchId ?? null, teamId: body.teamId ?? null, title: body.title, body: body.body, facts: body.facts as object, confidence: body.confidence, model: body.model ?? null, writtenBy: 'LLM' } }));
    const view = insightView(i);
    await env.publisher.publish('agentInsight', id, view);
    return reply.status(201).send(view);
  });
  app.get('/agents/:id/insights', async (req) => {
    const id = idOf(req);
    const q = parse(pageQuery.extend({ matchId: z.coerce.number().int().positive().max(2_147_483_647).optional() }), req.query, 'query');
    await run(() => agents.agent(id));
    const rows = await run(() =>
      db.insight.findMany({ where: { agentId: id, ...(q.matchId ? { matchId: q.matchId } : {}), ...(q.before ? { id: { lt: q.before } } : {}) }, orderBy: { id: 'desc' }, take: q.limit + 1 }),
    );
    const page = keysetPage(rows, q.limit);
    return { items: page.items.map(insightView), next: page.next };
  });
}
