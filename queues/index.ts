// The one list of queues: it drives worker start-up, Bull Board, metrics, /status and the enqueue route.
import type { QueueDefinition } from '../src/queue/define.js';
import { engineHousekeeping } from './engine-housekeeping.js';

export const queues: readonly QueueDefinition[] = [engineHousekeeping];
