// A real engine process with the social queues, deps and routes, configured by environment variables
// like production (kill -9 tests and the fan-out benchmark's worker). Same wiring as src/main.ts.
import { createSocialDeps } from '../../pipelines/_social/deps.js';
import { queues } from '../../queues/index.js';
import { socialRoutes } from '../../src/app/routes/social.js';
import { runProcess } from '../../src/process.js';

await runProcess({ queues: queues.filter((q) => q.name.startsWith('social-')), extendDeps: (base) => ({ ...createSocialDeps(base) }), extraRoutes: [socialRoutes] });
