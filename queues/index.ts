// The one list of queues: it drives worker start-up, Bull Board, metrics, /status and the enqueue route.
import type { QueueDefinition } from '../src/queue/define.js';
import { engineHousekeeping } from './engine-housekeeping.js';
import { ingestEspnScoreboard } from './ingest-espn-scoreboard.js';
import { matchEvents } from './match-events.js';

export const queues: readonly QueueDefinition[] = [engineHousekeeping, ingestEspnScoreboard, matchEvents];
