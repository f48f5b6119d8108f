import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';

/**
 * Consumes the commands the backend's WebSocket gateway takes from clients (start, stop, run a task,
 * cancel) from a Redis stream with a consumer group: each command is handled once across replicas,
 * validated exactly as the HTTP route doing the same, and acknowledged once it took effect. One tick a
 * second reads what arrived (up to about 800 ms of work), and takes over commands a dead consumer left
 * unacknowledged for 30 s. No retry: the next tick reads again.
 */
export const agentCommands = defineQueue({
  name: 'agent-commands',
  description: 'Reads agent commands from the gateway\'s Redis stream (consumer group) and applies them',
  payload: z.strictObject({}),
  retry: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
  timeoutMs: 10_000,
  concurrency: 1,
  retention: { completed: { count: 100, ageSeconds: 3_600 }, failed: { count: 1_000, ageSeconds: 7 * 24 * 3_600 } },
  schedule: { everyMs: 1_000, missed: 'skip', payload: {} },
  handler: () => import('../pipelines/agent-commands/index.js').then((m) => m.run),
});
