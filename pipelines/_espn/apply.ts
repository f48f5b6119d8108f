// Applies a scoreboard-like batch of matches: load in one transaction with the change events, then
// publish the events and refresh the live snapshots.
import { tx } from '../../src/db/executor.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { deriveEvents, publishEvents, recordEvents, type MatchEvent } from '../_feeds/events.js';
import { syncLive } from '../_feeds/live.js';
import type { IngestCounts } from '../_feeds/store.js';
import { loadMatches } from './load.js';
import type { MatchRecord } from './scoreboard.js';
import { isFinished, isLive } from './status.js';

/** `requestKey`: the scoreboard request the records came from, so its unchanged fetches keep their live snapshots alive. */
export async function applyMatches(deps: IngestPipelineDeps, records: MatchRecord[], counts: IngestCounts, requestKey?: string) {
  const { redis, config } = deps;
  const { loaded, outbox } = await tx(deps.sql, async (t) => {
    const loaded = await loadMatches(t, records);
    const events: MatchEvent[] = loaded.changes.flatMap(deriveEvents);
    // A red card is news only on a match we already knew: the first sight of a match is not a change.
    const firstSeen = new Set(loaded.changes.filter((c) => c.inserted).map((c) => c.matchId));
    const byId = new Map(records.map((r) => [loaded.ids.get(r.providerId), r]));
    for (const k of loaded.newKeyEvents) {
      const r = byId.get(k.matchId);
      if (k.kind === 'red-card' && !firstSeen.has(k.matchId) && r) {
        events.push({ matchId: k.matchId, kind: 'red-card', eventKey: `red-card:${k.eventKey}`, status: r.status, homeScore: r.homeScore, awayScore: r.awayScore });
      }
    }
    return { loaded, outbox: await recordEvents(t, events) };
  }, { durable: false });
  const total = new Set(records.map((r) => r.providerId)).size;
  counts.inserted += loaded.changes.filter((c) => c.inserted).length;
  counts.updated += loaded.changes.filter((c) => !c.inserted).length;
  counts.unchanged += total - loaded.changes.length;
  const published = await publishEvents(deps, outbox);

  const changed = new Set(loaded.changes.map((c) => c.matchId));
  const live = records.filter((r) => isLive(r.status)).map((r) => ({
    matchId: loaded.ids.get(r.providerId)!, status: r.status, minute: r.minute, homeScore: r.homeScore, awayScore: r.awayScore,
    homePenalties: r.homePenalties, awayPenalties: r.awayPenalties, updatedAt: new Date().toISOString(),
  }));
  const ended = loaded.changes.filter((c) => c.prev && isLive(c.prev.status as never) && !isLive(c.status as never)).map((c) => c.matchId);
  await syncLive(redis, config.QUEUE_PREFIX, config.LIVE_SNAPSHOT_TTL_SECONDS, live, changed, ended, requestKey);
  return { events: published, live: live.length, finished: records.filter((r) => isFinished(r.status)).length, ids: loaded.ids };
}
