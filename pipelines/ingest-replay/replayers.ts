// How each archived source is re-applied: the same transform and load its live pipeline uses.
import type { Quarantined } from '../shared/transform.js';
import type { IngestPipelineDeps } from '../ingest-shared/deps.js';
import { publishEvents, recordEvents } from '../ingest-shared/events.js';
import { parseJson } from '../ingest-shared/run-feed.js';
import type { IngestCounts } from '../ingest-shared/store.js';
import { applyMatches } from '../ingest-espn/apply.js';
import { loadSummary } from '../ingest-espn/load-summary.js';
import { SCOREBOARD_SOURCE, transformScoreboard } from '../ingest-espn/scoreboard.js';
import { SUMMARY_SOURCE, transformSummary } from '../ingest-espn/summary.js';

export type Replayer = (body: Buffer, deps: IngestPipelineDeps, counts: IngestCounts) => Promise<{ quarantined: Quarantined[] }>;

export const replayers: Record<string, Replayer> = {
  [SCOREBOARD_SOURCE]: async (body, deps, counts) => {
    const r = transformScoreboard(parseJson(SCOREBOARD_SOURCE, body));
    await applyMatches(deps, r.records, counts);
    return r;
  },
  [SUMMARY_SOURCE]: async (body, deps, counts) => {
    const r = transformSummary(parseJson(SUMMARY_SOURCE, body));
    const outbox = await deps.db.$transaction(async (tx) => {
      const events = [];
      for (const s of r.records) {
        const l = await loadSummary(tx, s);
        if (l.matchId !== null) counts[l.written ? 'updated' : 'unchanged']++;
        events.push(...l.events);
      }
      return recordEvents(tx, events);
    });
    await publishEvents(deps, outbox);
    return r;
  },
};
