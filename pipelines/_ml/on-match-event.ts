// Called by the match-events consumer (ingestion) for goal / red card / kick-off events: a debounced
// re-prediction of that match (several events within PREDICT_DEBOUNCE_MS → one prediction).
import type { MlEngineDeps } from './deps.js';

export async function onMatchEvent(event: { matchId: number; kind: string }, deps: Pick<MlEngineDeps, 'mlJobs' | 'config'>): Promise<void> {
  await deps.mlJobs.repredictDebounced(event.matchId, event.kind, deps.config.PREDICT_DEBOUNCE_MS);
}
