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

export interface ApplyOptions {
  /** The scoreboard request the records came from, so its unchanged fetches keep their live snapshots alive. */
  requestKey?: string;
  /** When the payload was current: no match state older than the stored one is applied (see loadMatches). */
  asOf?: Date;
  /**
   * Re-applying an archived payload (ingest-replay): derived data is rebuilt, but nothing is announced:
   * no change events, no live snapshots, no re-predictions follow.
   */
  replay?: boolean;
}

export async function applyMatches(deps: IngestPipelineDeps, records: MatchRecord[], counts: IngestCounts, o: ApplyOptions = {}) {
  const { redis, config } = deps;
  const { loaded, outbox } = await tx(deps.sql, async (t) => {
    const loaded = await loadMatches(t, records, o.asOf);
    if (o.replay) return { loaded, outbox: [] };
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
  if (o.replay) return { events: 0, live: 0, finished: records.filter((r) => isFinished(r.status)).length, ids: loaded.ids };
  const published = await publishEvents(deps, outbox);

  const changed = new Set(loaded.changes.map((c) => c.matchId));
  // Only state that was applied: a stale payload's "live" match may have finished since.
  const live = records.filter((r) => isLive(r.status) && !loaded.stale.has(r.providerId)).map((r) => ({
    matchId: loaded.ids.get(r.providerId)!, status: r.status, minute: r.minute, homeScore: r.homeScore, awayScore: r.awayScore,
    homePenalties: r.homePenalties, awayPenalties: r.awayPenalties, updatedAt: new Date().toISOString(),
  }));
  const ended = loaded.changes.filter((c) => c.prev && isLive(c.prev.status as never) && !isLive(c.status as never)).map((c) => c.matchId);
  await syncLive(redis, config.QUEUE_PREFIX, config.LIVE_SNAPSHOT_TTL_SECONDS, live, changed, ended, o.requestKey);
  return { events: published, live: live.length, finished: records.filter((r) => isFinished(r.status)).length, ids: loaded.ids };
}
