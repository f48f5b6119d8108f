// Entry point of `npm start`.
import { createPipelineDeps } from '../pipelines/deps.js';
import { venueRoutes } from '../pipelines/ingest-venue-geocode/routes.js';
import { registerMlRoutes } from '../pipelines/ml/routes.js';
import { queues } from '../queues/index.js';
import { runProcess } from './process.js';

await runProcess({ queues, extendDeps: createPipelineDeps, extraRoutes: [venueRoutes, registerMlRoutes] });
