// The task kinds. Each looks at its task once and says what happened: done (with output), wait (defer and
// look again, the agent's lease kept), wait for the engine job it started, or ended another way.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { Upstream } from '../../src/upstream/client.js';
import { TERMINAL } from '../_agents/agent-os.js';
import type { AgentsEngineDeps } from '../_agents/deps.js';
import { writeInsight } from '../_agents/insight.js';
import type { enqueueInput, noopInput, webhookInput, agentOsInput, insightInput } from '../_agents/schemas.js';
import * as store from '../_agents/store.js';
import { enqueueChildId } from '../_agents/service.js';
import type { z } from 'zod';

export type Ctx = JobContext<AgentsEngineDeps>;

export type Outcome =
  | { done: 'COMPLETED'; output: unknown }
  | { done: 'FAILED' | 'TIMED_OUT' | 'CANCELLED'; error: string }
  | { wait: number; reason: string }
  | { waitForChildren: true };

export interface KindRun {
  task: store.TaskWithAgent;
  ctx: Ctx;
  /** Aborts on the job's signal (cancel, shutdown, queue timeout) and at the task's deadline. */
  signal: AbortSignal;
  deadline: number;
}

async function noop(r: KindRun): Promise<Outcome> {
  const { sleepMs } = r.task.input as z.output<typeof noopInput>;
  // `r.signal` only when sleeping: reading it makes the task's AbortSignals, which cost more than a no-op.
  if (sleepMs) await sleep(sleepMs, undefined, { signal: r.signal });
  return { done: 'COMPLETED', output: { ok: true } };
}

// One upstream client per engine, integration and version of its settings (a changed URL or secret gets
// a new one); per engine because the engine closes its clients when it stops.
const integrationClients = new WeakMap<object, Map<string, Upstream>>();

async function webhook({ task, ctx, signal }: KindRun): Promise<Outcome> {
  const input = task.input as z.output<typeof webhookInput>;
  const integration = await ctx.deps.db.integration.findUnique({ where: { name: input.integration } });
  if (!integration) throw new NonRetryableError(`no integration "${input.integration}"`);
  const key = `${integration.id}:${integration.updatedAt.getTime()}`;
  let clients = integrationClients.get(ctx.deps);
  if (!clients) integrationClients.set(ctx.deps, (clients = new Map()));
  let client = clients.get(key);
  if (!client) {
    const auth = integration.secret ? { [integration.authHeader]: integration.authHeader.toLowerCase() === 'authorization' ? `Bearer ${integration.secret}` : integration.secret } : {};
    client = ctx.deps.upstream({ name: `integration-${integration.name}`, baseUrl: integration.baseUrl, connections: 4, requestTimeoutMs: 30_000, headers: auth });
    clients.set(key, client);
  }
  const res = await client.request({ method: input.method, path: input.path.replace(/^\//, ''), ...(input.method === 'GET' ? {} : { json: input.body ?? {} }), signal });
  const text = res.body.toString('utf8');
  let body: unknown = text.slice(0, 8_192);
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: kept as (cut) text */
  }
  return { done: 'COMPLETED', output: { status: res.status, body } };
}

async function agentOs({ task, ctx, signal, deadline }: KindRun): Promise<Outcome> {
  const { agentOs: client, config } = ctx.deps;
  if (!client) throw new NonRetryableError('AGENT_OS_URL is not set: no Agent OS to run this task');
  if (!task.agentOsName) throw new NonRetryableError(`agent ${task.agentId} has no agentOsName`);
  const input = task.input as z.output<typeof agentOsInput>;
  const polls = { min: config.AGENT_OS_POLL_MIN_MS, max: config.AGENT_OS_POLL_MAX_MS };
  if (!task.agentOsRunId) {
    // Idempotency-Key = task id: a retried attempt after a crash here gets the same run back.
    const run = await client.createRun(
      {
        agent: task.agentOsName, input: input.input, taskId: task.id,
        metadata: { ...input.metadata, task_id: String(task.id), agent_id: String(task.agentId) },
        timeoutS: Math.max(1, Math.ceil((deadline - Date.now()) / 1000)),
        callbackUrl: config.AGENT_OS_CALLBACK_URL,
      },
      signal,
    );
    await store.setRunId(ctx.deps.sql, task.id, run.runId);
    task.agentOsRunId = run.runId;
    return { wait: Math.max(polls.min, run.retryAfterMs ?? 0), reason: `Agent OS run ${run.runId} is ${run.status}` };
  }
  if (Date.now() >= deadline) {
    await client.cancelRun(task.agentOsRunId, signal);
    return { done: 'TIMED_OUT', error: `timed out after ${deadline - task.startedAt!.getTime()} ms; Agent OS run ${task.agentOsRunId} cancelled` };
  }
  const snap = await client.getRun(task.agentOsRunId, signal);
  if (TERMINAL.has(snap.status)) {
    if (snap.status === 'succeeded') return { done: 'COMPLETED', output: snap.output ?? null };
    if (snap.status === 'cancelled') return { done: 'CANCELLED', error: 'the Agent OS cancelled the run' };
    if (snap.status === 'timed_out') return { done: 'TIMED_OUT', error: 'the Agent OS timed the run out' };
    return { done: 'FAILED', error: `Agent OS run failed${snap.error?.code ? ` (${snap.error.code})` : ''}: ${snap.error?.message ?? 'no reason given'}` };
  }
  // Backoff by how long the run has been going: about a quarter of its age, between the bounds.
  const age = Date.now() - task.startedAt!.getTime();
  const wait = Math.min(Math.max(Math.min(polls.max, Math.max(polls.min, age / 4)), snap.retryAfterMs ?? 0), Math.max(0, deadline - Date.now()) + 10);
  return { wait, reason: `Agent OS run ${task.agentOsRunId} is ${snap.status}` };
}


async function enqueue({ task, ctx, deadline }: KindRun): Promise<Outcome> {
  const input = task.input as z.output<typeof enqueueInput>;
  const def = ctx.deps.engineQueues.get(input.queue);
  if (!def) throw new NonRetryableError(`no queue "${input.queue}"`);
  const jobId = enqueueChildId(task.id);
  const { values, failures } = await ctx.children();
  const value = values.find((v) => v.id === jobId);
  if (value) return { done: 'COMPLETED', output: { queue: def.name, jobId, result: value.value ?? null } };
  const failure = failures.find((f) => f.id === jobId);
  if (failure) return { done: 'FAILED', error: `${def.name} job ${jobId} failed: ${failure.reason}` };
  if (Date.now() >= deadline) return { done: 'TIMED_OUT', error: `${def.name} job ${jobId} did not finish in time` };
  await ctx.deps.flows.addChildren({ def: ctx.deps.engineQueues.get(ctx.queue)!, jobId: ctx.jobId }, [{ def, payload: input.payload as never, jobId, onFailure: 'ignore' }]);
  return { waitForChildren: true };
}

async function insight({ task, ctx, signal }: KindRun): Promise<Outcome> {
  const input = task.input as z.output<typeof insightInput>;
  const written = await writeInsight(ctx, { taskId: task.id, agentId: task.agentId, matchId: input.matchId!, teamId: input.teamId ?? null }, signal);
  return { done: 'COMPLETED', output: written };
}

export const KINDS: Record<store.TaskRow['kind'], (r: KindRun) => Promise<Outcome>> = { noop, webhook, 'agent-os': agentOs, enqueue, insight };
