import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { int4Id } from '../src/schemas.js';

export const agentTaskPayload = z.strictObject({
  taskId: int4Id(),
  agentId: int4Id(),
  /** The task's job generation: a job of an older generation (the task was parked and resumed) does nothing. */
  generation: z.number().int().min(0).max(1_000_000),
  /** The task's priority: with it the job's first run takes the agent's lease before loading the task. */
  priority: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional(),
  /** A nudge (a callback arrived, a cancel) looks at the task once and never defers: the task's own job keeps polling. */
  nudge: z.boolean().optional(),
});

/**
 * One agent task (the task row holds kind, input and state; the job carries ids only, never input or
 * credentials). Priorities are BullMQ priorities (CRITICAL 1 … LOW 4); the agent's concurrency limit is
 * held as a lease across replicas, and a task waiting for one, or for an Agent OS run, defers itself
 * (no worker held). Each kind has its own deadline (AGENT_TASK_TIMEOUTS); the queue timeout bounds one run.
 * Retries: 4 attempts, 1 s doubling (≈ 7 s), for retryable failures only (network, 5xx, 429).
 */
export const agentTask = defineQueue({
  name: 'agent-task',
  description: 'Runs one agent task (agent-os, insight, webhook, enqueue, noop) under its agent\'s concurrency limit',
  payload: agentTaskPayload,
  retry: { attempts: 4, delayMs: 1_000, maxDelayMs: 10_000 },
  timeoutMs: 10 * 60_000,
  concurrency: 32,
  retention: defaultRetention,
  handler: () => import('../pipelines/agent-task/index.js').then((m) => m.run),
});
