// A real engine process with the agents queues, deps and routes, configured by environment variables like
// production (multi-process tests and the benchmark). Same wiring as src/main.ts for the agents feature.
import { createAgentsDeps } from '../../pipelines/_agents/deps.js';
import { agentWorkflowRoutes } from '../../src/app/routes/agent-workflows.js';
import { agentRoutes } from '../../src/app/routes/agents.js';
import { runProcess } from '../../src/process.js';
import { agentQueues } from './queues.js';

await runProcess({ queues: agentQueues, extendDeps: (base) => ({ ...createAgentsDeps(base, { queues: agentQueues }) }), extraRoutes: [agentRoutes, agentWorkflowRoutes] });
