// agent-task: run one agent task. Steps: load the task with its agent → park it if the agent is stopped →
// take the agent's lease (or wait in its line) → mark it running → run its kind → record how it ended.
//
// A run of this job may be one of many for a task: an Agent OS task defers between polls and an enqueue
// task waits for its child job, each time re-running from the top with the task's state in PostgreSQL
// and its lease in Redis.
import type { z } from 'zod';
import type { agentTaskPayload } from '../../queues/agent-task.js';
import { agentWorkflow } from '../../queues/agent-workflow.js';
import { classify } from '../../src/queue/errors.js';
import { waitMs } from '../_agents/admission.js';
import type { Priority } from '../_agents/schemas.js';
import * as store from '../_agents/store.js';
import { KINDS, type Ctx, type KindRun, type Outcome } from './kinds.js';

type Payload = z.output<typeof agentTaskPayload>;

export async function run(p: Payload, ctx: Ctx): Promise<Record<string, unknown>> {
  const d = ctx.deps;
  // The hot path, for a queued task's first look: the lease (with the agent's cached limit), then one
  // statement that starts the task. Anything unusual (no cached limit, a stopped agent, a task already
  // running or ended, a stale job) goes the careful way below.
  let task: store.TaskWithAgent | null | undefined;
  if (p.priority && !p.nudge) {
    let lease = await d.admission.acquire(p.agentId, null, p.taskId, p.priority);
    if (!lease.granted && !('unknown' in lease)) {
      lease = await acquire(p.agentId, null, p.taskId, p.priority, ctx);
      if (!lease.granted && !('unknown' in lease)) return ctx.defer(waitMs(lease.ahead), { jitterRatio: 0.2, reason: `agent ${p.agentId} at its limit; ${lease.ahead} ahead` });
    }
    if (lease.granted) {
      const claimed = await d.taskBatches.claim({ id: p.taskId, generation: p.generation, attempt: ctx.attempt });
      if (claimed) return runClaimed(claimed, p, ctx, true);
      // Not a queued task of this generation: a running task keeps the lease (it is its own), any
      // other gives back the one just taken.
      task = await store.loadTask(d.sql, p.taskId);
      if (task?.status !== 'RUNNING') void d.admission.release(p.agentId, p.taskId);
    }
  }

  task ??= await store.loadTask(d.sql, p.taskId);
  if (!task) return { skipped: 'no such task' };
  if (store.FINAL.has(task.status)) return settleFinal(task, ctx);
  if (task.jobGeneration !== p.generation) return { skipped: `stale job (the task is on generation ${task.jobGeneration})` };
  if (p.nudge && task.status !== 'RUNNING') return { skipped: 'nothing to look at yet' };

  if (task.status !== 'RUNNING' && (task.agentStatus === 'STOPPED' || task.agentStatus === 'ERROR' || task.agentDeleted)) {
    // Parked: the job ends here; starting the agent gives the task a new job.
    if (await store.park(d.sql, task.id, task.agentId)) return { parked: true };
  }

  const lease = await acquire(task.agentId, task.concurrencyLimit, task.id, task.priority, ctx);
  if (!lease.granted) {
    if (p.nudge) return { skipped: 'no lease' };
    const ahead = 'ahead' in lease ? lease.ahead : 0;
    return ctx.defer(waitMs(ahead), { jitterRatio: 0.2, reason: `agent ${task.agentId} at its limit; ${ahead} ahead` });
  }

  if (task.status === 'RUNNING') return runClaimed(task, p, ctx, false);
  const claimed = await store.claim(d.sql, task.id, ctx.attempt);
  if (!claimed) {
    // Cancelled between the load and the claim.
    void d.admission.release(task.agentId, task.id);
    return { skipped: 'no longer queued' };
  }
  return runClaimed({ ...task, ...claimed }, p, ctx, true);
}

/** The task holds its agent's lease and is RUNNING: run (or go on running) its kind. */
async function runClaimed(task: store.TaskWithAgent, p: Payload, ctx: Ctx, justClaimed: boolean): Promise<Record<string, unknown>> {
  const d = ctx.deps;
  if (justClaimed) {
    d.agentMetrics.queueWait.observe({ agent_type: task.agentType, kind: task.kind }, Math.max(0, task.startedAt!.getTime() - task.createdAt.getTime()) / 1000);
    void d.agentPublisher.publish('agentTaskUpdate', task.agentId, store.taskView(task));
  }
  const outcome = await attempt(task, ctx);
  if ('wait' in outcome) {
    if (p.nudge) return { looked: true };
    return ctx.defer(outcome.wait, { reason: outcome.reason });
  }
  if ('waitForChildren' in outcome) {
    await ctx.waitForChildren(); // parks the job unless the child is already done
    return run(p, ctx);
  }
  return end(task, outcome, ctx);
}

/**
 * Takes the agent's lease. A task near the head of the line asks again a few times within ~100 ms before
 * deferring: short tasks free their leases that fast, and a defer costs a round trip through delayed.
 */
async function acquire(agentId: number, limit: number | null, taskId: number, priority: Priority, ctx: Ctx) {
  for (let tries = 0; ; tries++) {
    const lease = await ctx.deps.admission.acquire(agentId, limit, taskId, priority);
    if (lease.granted || 'unknown' in lease || tries >= 4 || lease.ahead > 2 || ctx.signal.aborted) return lease;
    await new Promise((r) => setTimeout(r, 20 + 5 * tries));
  }
}

/** Runs the task's kind under its deadline; turns what it throws into an outcome or a retry. */
async function attempt(task: store.TaskWithAgent, ctx: Ctx): Promise<Outcome> {
  const deadline = task.startedAt!.getTime() + ctx.deps.config.AGENT_TASK_TIMEOUTS[task.kind];
  const left = deadline - Date.now();
  if (left <= 0 && task.kind !== 'agent-os') return { done: 'TIMED_OUT', error: `timed out: the ${task.kind} deadline passed before this attempt` };
  // Signals are made only when the kind reads one: on Node 20 they cost more than a no-op task itself.
  let timeout: AbortSignal | undefined;
  let signal: AbortSignal | undefined;
  const kindRun: KindRun = {
    task, ctx, deadline,
    get signal() {
      timeout ??= AbortSignal.timeout(Math.max(1, left));
      return (signal ??= AbortSignal.any([ctx.signal, timeout]));
    },
  };
  // A long in-process run keeps its lease alive (leases expire so a dead process frees them).
  const keepAlive = task.kind === 'noop' ? undefined : setInterval(() => void ctx.deps.admission.acquire(task.agentId, task.concurrencyLimit, task.id, task.priority).catch(() => {}), 30_000);
  try {
    return await KINDS[task.kind](kindRun);
  } catch (err) {
    if (timeout?.aborted && !ctx.signal.aborted) return { done: 'TIMED_OUT', error: `timed out after ${ctx.deps.config.AGENT_TASK_TIMEOUTS[task.kind]} ms` };
    const now = await store.loadTask(ctx.deps.sql, task.id);
    if (now?.status === 'CANCELLED') return { done: 'CANCELLED', error: now.error ?? 'cancelled' };
    const c = classify(err);
    if (c.kind !== 'non-retryable' && !ctx.finalAttempt && !ctx.signal.aborted) {
      await store.requeue(ctx.deps.sql, task.id, c.error.message);
      await ctx.deps.admission.release(task.agentId, task.id);
      throw c.error;
    }
    if (ctx.signal.aborted && !timeout?.aborted) {
      // Shutdown or the queue's own timeout: the attempt goes back to the queue, the task with it.
      await store.requeue(ctx.deps.sql, task.id, c.error.message);
      await ctx.deps.admission.release(task.agentId, task.id);
      throw c.error;
    }
    return { done: 'FAILED', error: c.error.message };
  } finally {
    clearInterval(keepAlive);
  }
}

async function end(task: store.TaskWithAgent, o: Exclude<Outcome, { wait: number } | { waitForChildren: true }>, ctx: Ctx) {
  const d = ctx.deps;
  const row = o.done === 'CANCELLED'
    ? (await store.cancel(d.sql, task.id, o.error)) ?? (await store.loadTask(d.sql, task.id))
    : await d.taskBatches.finish({ id: task.id, status: o.done, ...(o.done === 'COMPLETED' ? { output: o.output } : { error: o.error }) }).then((ended) =>
        ended && { ...task, ...ended, output: o.done === 'COMPLETED' ? (o.output ?? null) : null });
  if (!row) {
    void d.admission.release(task.agentId, task.id);
    return { skipped: 'the task ended elsewhere' };
  }
  // The lease goes back and the task's updates go out in one round trip.
  const labels = { agent_type: task.agentType, kind: task.kind };
  d.agentMetrics.tasks.inc({ ...labels, status: row.status });
  const ms = row.finishedAt && row.startedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : 0;
  d.agentMetrics.duration.observe(labels, ms / 1000);
  const pub = d.agentPublisher;
  const at = new Date().toISOString();
  const messages = [pub.message('agentTaskUpdate', task.agentId, store.taskView(row), at)];
  if (row.status !== 'COMPLETED') messages.push(pub.message('agentError', task.agentId, { taskId: row.id, status: row.status, error: row.error }, at));
  messages.push(pub.message('agentPerformanceUpdate', task.agentId, { taskId: row.id, kind: task.kind, status: row.status, durationMs: ms }, at));
  void d.admission.release(task.agentId, task.id, { channel: pub.channel, messages });
  if (o.done === 'CANCELLED' && task.agentOsRunId) await d.agentOs?.cancelRun(task.agentOsRunId).catch(() => {});
  if (row.status !== 'COMPLETED' && row.status !== 'CANCELLED' && (await store.errorAfterFailures(d.sql, task.agentId, d.config.AGENT_ERROR_AFTER_FAILURES))) {
    await d.agents.event(task.agentId, 'agent.error', 'ERROR', `agent in ERROR after ${d.config.AGENT_ERROR_AFTER_FAILURES} failed tasks in a row: it takes no new work until started`);
  }
  if (row.workflowRunId) await d.enqueue(agentWorkflow, { runId: row.workflowRunId }, { jobId: `wf-${row.workflowRunId}-${row.stepKey}-${row.status}` });
  return { taskId: row.id, status: row.status };
}

/** A task that already ended: a cancel nudge cancels its Agent OS run; anything else has nothing to do. */
async function settleFinal(task: store.TaskWithAgent, ctx: Ctx) {
  await ctx.deps.admission.release(task.agentId, task.id);
  if (task.status === 'CANCELLED' && task.agentOsRunId && ctx.deps.agentOs) await ctx.deps.agentOs.cancelRun(task.agentOsRunId, ctx.signal);
  return { skipped: `task is ${task.status}` };
}
