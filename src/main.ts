// Entry point of `npm start`.
import { queues } from '../queues/index.js';
import { runProcess } from './process.js';

await runProcess({ queues });
