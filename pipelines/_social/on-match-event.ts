// The social side of match events (a consumer of match-events, wired in src/app/deps.ts): full time
// settles the match's picks (a later corrected score or goal re-settles with the new score), and kick-off,
// goals and full time notify the teams' followers. Idempotent: job ids come from the event, and the work
// itself is exact on a repeat.
import { socialEvents } from '../../queues/social-events.js';
import type { EngineDeps } from '../../src/engine.js';
import type { MatchEventMessage } from '../_feeds/events.js';

const FINISHED = new Set(['FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES']);
/** Match changes the teams' followers hear about. */
export const TEAM_NOTIFY_ON = new Set(['kick-off', 'goal', 'full-time']);
/** A finished match is (re-)settled on these, with the score they carry. */
const SETTLE_ON = new Set(['full-time', 'score-corrected', 'goal']);

export async function onSocialMatchEvent(event: MatchEventMessage, deps: Pick<EngineDeps, 'enqueue'>): Promise<void> {
  const { matchId, homeScore, awayScore } = event;
  if (SETTLE_ON.has(event.kind) && FINISHED.has(event.status) && homeScore !== null && awayScore !== null) {
    await deps.enqueue(socialEvents, { type: 'prediction-settled', matchId, homeScore, awayScore }, { jobId: `settle-${matchId}-${homeScore}-${awayScore}` });
  }
  if (TEAM_NOTIFY_ON.has(event.kind)) {
    await deps.enqueue(socialEvents, { type: 'match-event', matchId, kind: event.kind, eventKey: event.eventKey, homeScore, awayScore }, { jobId: `teams-${event.eventId}` });
  }
}
