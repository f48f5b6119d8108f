// A real engine process with the test queues, for tests that need several processes (replicas,
// kill -9, SIGTERM). Configured entirely by environment variables, like production.
import { runProcess } from '../../src/process.js';
import { testQueues } from './queues.js';

await runProcess({ queues: testQueues });
