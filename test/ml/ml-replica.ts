// A real engine process with the prediction queues, deps and routes, configured by environment variables
// like production (multi-process tests and the benchmark's extra worker). Same wiring as src/main.ts
// once the prediction feature is registered there.
import { createMlDeps } from '../../pipelines/_ml/deps.js';
import { mlQueues } from '../ml/support.js';
import { registerMlRoutes } from '../../src/app/routes/predictions.js';
import { runProcess } from '../../src/process.js';

await runProcess({ queues: mlQueues, extendDeps: (base) => ({ ...createMlDeps(base) }), extraRoutes: [registerMlRoutes] });
