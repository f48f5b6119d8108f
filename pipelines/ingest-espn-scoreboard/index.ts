// ESPN scoreboard for one league and date (range): fixtures, status, live scores, venues, goal and card
// details → matches, teams, venues, key events; change events and live snapshots.
import type { JobContext } from '../../src/queue/define.js';
import { applyMatches } from '../_espn/apply.js';
import { espnDate, scoreboardRequest } from '../_espn/requests.js';
import { SCOREBOARD_SOURCE, transformScoreboard } from '../_espn/scoreboard.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { refreshLive } from '../_feeds/live.js';
import { parseJson, runFeed } from '../_feeds/run-feed.js';

export async function run(p: { league: string; dates?: string }, ctx: JobContext<IngestPipelineDeps>) {
  const { redis, config } = ctx.deps;
  const dates = p.dates ?? espnDate(new Date());
  const request = scoreboardRequest(p.league, dates);
  const out = await runFeed(
    {
      source: SCOREBOARD_SOURCE,
      feed: ctx.deps.espn,
      request,
      transform: (body) => transformScoreboard(parseJson(SCOREBOARD_SOURCE, body)),
      load: (records, counts, payload) => applyMatches(ctx.deps, records, counts, { requestKey: request.key, asOf: payload.asOf }),
    },
    ctx,
  );
  // Nothing changed, yet the matches it shows live are still live (a long stoppage): keep their snapshots.
  const live = out.loaded?.live ?? (await refreshLive(redis, config.QUEUE_PREFIX, config.LIVE_SNAPSHOT_TTL_SECONDS, request.key));
  await redis.hset(`${config.QUEUE_PREFIX}:ingest:last-scoreboard`, p.league, Date.now());
  return { league: p.league, dates, changed: out.changed, counts: out.counts, events: out.loaded?.events ?? 0, live };
}
