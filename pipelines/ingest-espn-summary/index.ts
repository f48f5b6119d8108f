// ESPN summary of one event: team statistics, lineups and formations, key events, officials, attendance.
import type { JobContext } from '../../src/queue/define.js';
import { loadSummary } from '../ingest-espn/load-summary.js';
import { summaryRequest } from '../ingest-espn/requests.js';
import { SUMMARY_SOURCE, transformSummary } from '../ingest-espn/summary.js';
import type { IngestPipelineDeps } from '../ingest-shared/deps.js';
import { publishEvents, recordEvents } from '../ingest-shared/events.js';
import { parseJson, runFeed } from '../ingest-shared/run-feed.js';
import type { IngestCounts } from '../ingest-shared/store.js';

export async function run(p: { league: string; eventId: string }, ctx: JobContext<IngestPipelineDeps>) {
  const { db } = ctx.deps;
  const load = async (records: ReturnType<typeof transformSummary>['records'], counts: IngestCounts) => {
    let unknown = 0;
    const outbox = await db.$transaction(async (tx) => {
      const events = [];
      for (const s of records) {
        const r = await loadSummary(tx, s);
        if (r.matchId === null) unknown++;
        else if (r.written) counts.updated++;
        else counts.unchanged++;
        events.push(...r.events);
      }
      return recordEvents(tx, events);
    }, { timeout: 30_000 });
    // A summary for a match no scoreboard has brought yet: the scoreboard creates matches, summaries enrich them.
    if (unknown) ctx.log.warn({ eventId: p.eventId }, 'summary for an unknown match: skipped until a scoreboard brings it');
    return { events: await publishEvents(ctx.deps, outbox), unknown };
  };
  const out = await runFeed(
    { source: SUMMARY_SOURCE, feed: ctx.deps.espn, request: summaryRequest(p.league, p.eventId), transform: (b) => transformSummary(parseJson(SUMMARY_SOURCE, b)), load },
    ctx,
  );
  return { league: p.league, eventId: p.eventId, changed: out.changed, counts: out.counts, events: out.loaded?.events ?? 0, skippedUnknownMatch: out.loaded?.unknown ?? 0 };
}
