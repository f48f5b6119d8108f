// Entry point of `npm start`.
import { createPipelineDeps } from './app/deps.js';
import { venueRoutes } from './app/routes/venues.js';
import { agentRoutes } from './app/routes/agents.js';
import { agentWorkflowRoutes } from './app/routes/agent-workflows.js';
import { registerMlRoutes } from './app/routes/predictions.js';
import { socialRoutes } from './app/routes/social.js';
import { queues } from '../queues/index.js';
import { runProcess } from './process.js';

await runProcess({ queues, extendDeps: createPipelineDeps, extraRoutes: [venueRoutes, registerMlRoutes, socialRoutes, agentRoutes, agentWorkflowRoutes] });
