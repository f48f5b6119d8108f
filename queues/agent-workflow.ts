import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { int4Id } from '../src/schemas.js';

export const agentWorkflowPayload = z.strictObject({ runId: int4Id() });

/**
 * Advances one workflow run: records the steps whose tasks ended, fails or skips the dependants of a
 * failed step, creates the tasks of the steps now ready (they run in parallel on agent-task) and ends the
 * run when every step has. Enqueued when a run starts and whenever one of its step tasks ends; each
 * advance locks the run's row, so advances from several replicas take turns and a repeat changes nothing.
 * Retries: 5 attempts, 1 s doubling (≈ 15 s).
 */
export const agentWorkflow = defineQueue({
  name: 'agent-workflow',
  description: 'Advances a workflow run: starts ready steps, fails or skips dependants of failed ones, ends the run',
  payload: agentWorkflowPayload,
  retry: { attempts: 5, delayMs: 1_000, maxDelayMs: 10_000 },
  timeoutMs: 60_000,
  concurrency: 8,
  retention: defaultRetention,
  handler: () => import('../pipelines/agent-workflow/index.js').then((m) => m.run),
});
