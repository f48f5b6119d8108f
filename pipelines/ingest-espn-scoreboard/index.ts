// ESPN scoreboard for one league and date (range): fixtures, status, live scores, venues, goal and card
// details → matches, teams, venues, key events; change events and live snapshots.
import type { JobContext } from '../../src/queue/define.js';
import { applyMatches } from '../_espn/apply.js';
import { espnDate, scoreboardRequest } from '../_espn/requests.js';
import { SCOREBOARD_SOURCE, transformScoreboard } from '../_espn/scoreboard.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { parseJson, runFeed } from '../_feeds/run-feed.js';

export async function run(p: { league: string; dates?: string }, ctx: JobContext<IngestPipelineDeps>) {
  const dates = p.dates ?? espnDate(new Date());
  const out = await runFeed(
    {
      source: SCOREBOARD_SOURCE,
      feed: ctx.deps.espn,
      request: scoreboardRequest(p.league, dates),
      transform: (body) => transformScoreboard(parseJson(SCOREBOARD_SOURCE, body)),
      load: (records, counts) => applyMatches(ctx.deps, records, counts),
    },
    ctx,
  );
  await ctx.deps.redis.hset(`${ctx.deps.config.QUEUE_PREFIX}:ingest:last-scoreboard`, p.league, Date.now());
  return { league: p.league, dates, changed: out.changed, counts: out.counts, events: out.loaded?.events ?? 0, live: out.loaded?.live ?? 0 };
}
