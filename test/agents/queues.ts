// The queues of the agents tests (no vitest import: the replica process loads this too).
import { agentCommands } from '../../queues/agent-commands.js';
import { agentTask } from '../../queues/agent-task.js';
import { agentWorkflow } from '../../queues/agent-workflow.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import { testQueues } from '../support/queues.js';

/** The agents queues with 100 ms retry backoff, plus the engine's test queues (jobs for the enqueue kind). */
export const agentQueues: QueueDefinition[] = [
  { ...(agentTask as QueueDefinition), retry: { attempts: 4, delayMs: 100, maxDelayMs: 400 } },
  { ...(agentWorkflow as QueueDefinition), retry: { attempts: 5, delayMs: 100, maxDelayMs: 400 } },
  agentCommands as QueueDefinition,
  ...testQueues.filter((q) => q.name !== 'test-tick'),
];
