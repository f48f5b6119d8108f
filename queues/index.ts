// The one list of queues: it drives worker start-up, Bull Board, metrics, /status and the enqueue route.
import type { QueueDefinition } from '../src/queue/define.js';
import { agentCommands } from './agent-commands.js';
import { agentTask } from './agent-task.js';
import { agentWorkflow } from './agent-workflow.js';
import { engineHousekeeping } from './engine-housekeeping.js';
import { ingestEspnNews } from './ingest-espn-news.js';
import { ingestEspnScoreboard } from './ingest-espn-scoreboard.js';
import { ingestEspnSummary } from './ingest-espn-summary.js';
import { ingestPlan } from './ingest-plan.js';
import { ingestNewsRss } from './ingest-news-rss.js';
import { ingestReplay } from './ingest-replay.js';
import { ingestVenueGeocode } from './ingest-venue-geocode.js';
import { ingestWeatherMatch } from './ingest-weather-match.js';
import { matchEvents } from './match-events.js';
import { mlBaselineFit } from './ml-baseline-fit.js';
import { mlPredictBatch } from './ml-predict-batch.js';
import { mlPredictChunk } from './ml-predict-chunk.js';
import { mlPredictPlan } from './ml-predict-plan.js';
import { mlRepredictMatch } from './ml-repredict-match.js';
import { mlRetrain } from './ml-retrain.js';
import { socialDeliver } from './social-deliver.js';
import { socialDigest } from './social-digest.js';
import { socialEvents } from './social-events.js';
import { socialFanout } from './social-fanout.js';
import { socialFanoutChunk } from './social-fanout-chunk.js';

export const queues: readonly QueueDefinition[] = [
  engineHousekeeping,
  ingestPlan,
  ingestEspnScoreboard,
  ingestEspnSummary,
  ingestEspnNews,
  ingestWeatherMatch,
  ingestVenueGeocode,
  ingestNewsRss,
  ingestReplay,
  matchEvents,
  mlPredictBatch,
  mlPredictPlan,
  mlPredictChunk,
  mlRepredictMatch,
  mlRetrain,
  mlBaselineFit,
  agentTask,
  agentWorkflow,
  agentCommands,
  socialEvents,
  socialFanout,
  socialFanoutChunk,
  socialDeliver,
  socialDigest,
];
