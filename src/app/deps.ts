// Everything pipelines get besides the engine's own deps, built once per process (src/main.ts passes
// this to the engine as `extendDeps`).
import type { EngineDeps } from '../engine.js';
import { createIngestDeps } from '../../pipelines/_feeds/deps.js';
import type { MatchEventConsumer } from '../../pipelines/_feeds/events.js';
import { createMlDeps, type MlEngineDeps } from '../../pipelines/_ml/deps.js';
import { onMatchEvent } from '../../pipelines/_ml/on-match-event.js';
import { createSocialDeps } from '../../pipelines/_social/deps.js';
import { onSocialMatchEvent } from '../../pipelines/_social/on-match-event.js';
import { predictionPublisher } from '../../pipelines/_social/predictions.js';
import { createAgentsDeps } from '../../pipelines/_agents/deps.js';
import { queues } from '../../queues/index.js';

/** Match changes that can move a prediction: the match is re-predicted (debounced per match). */
const REPREDICT_ON = new Set(['kick-off', 'goal', 'red-card', 'score-corrected']);

export async function createPipelineDeps(base: EngineDeps) {
  const ml = createMlDeps(base);
  const repredict: MatchEventConsumer = async (event, deps) => {
    if (REPREDICT_ON.has(event.kind)) await onMatchEvent(event, deps as MlEngineDeps);
  };
  // Settlement at full time (re-settled on a corrected score) and the teams' followers' notifications.
  const social: MatchEventConsumer = (event, deps) => onSocialMatchEvent(event, deps);
  const socialDeps = createSocialDeps(base);
  // Re-predictions stream to the match's room (prediction:update) with their change since the last one.
  ml.mlOnStored = predictionPublisher(socialDeps.realtime, base.sql);
  return { ...createIngestDeps(base), ...ml, ...socialDeps, ...createAgentsDeps(base, { queues }), matchEventConsumers: [repredict, social] };
}
