// ESPN summaries: team statistics, lineups and formations, key events, officials, attendance. One job
// may carry the live events of a league (fetched side by side, bounded by p-limit) or a single event.
import pLimit from 'p-limit';
import { tx } from '../../src/db/executor.js';
import type { JobContext } from '../../src/queue/define.js';
import { loadSummary } from '../_espn/load-summary.js';
import { summaryRequest } from '../_espn/requests.js';
import { SUMMARY_SOURCE, transformSummary } from '../_espn/summary.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { publishEvents, recordEvents } from '../_feeds/events.js';
import { parseJson, runFeed } from '../_feeds/run-feed.js';
import type { IngestCounts } from '../_feeds/store.js';

async function one(p: { league: string; eventId: string }, ctx: JobContext<IngestPipelineDeps>) {
  const load = async (records: ReturnType<typeof transformSummary>['records'], counts: IngestCounts) => {
    let unknown = 0;
    const outbox = await tx(ctx.deps.sql, async (t) => {
      const events = [];
      for (const s of records) {
        const r = await loadSummary(t, s);
        if (r.matchId === null) unknown++;
        else if (r.written) counts.updated++;
        else counts.unchanged++;
        events.push(...r.events);
      }
      return recordEvents(t, events);
    }, { durable: false });
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

const FAN_OUT = 4;
/** How long the events a job already fetched are remembered for its retries. */
const DONE_TTL_SECONDS = 24 * 3600;

/** The events of this job (this enqueue of it) that an earlier attempt fetched and stored. */
const doneKey = (ctx: JobContext<IngestPipelineDeps>) => `${ctx.deps.config.QUEUE_PREFIX}:ingest:summary-done:${ctx.jobId}:${ctx.createdAt}`;

export async function run(p: { league: string; eventId?: string; eventIds?: string[] }, ctx: JobContext<IngestPipelineDeps>) {
  const ids = [...new Set([...(p.eventId ? [p.eventId] : []), ...(p.eventIds ?? [])])];
  // A retry fetches only the events an earlier attempt did not store: otherwise a job of many events
  // needs one attempt in which every fetch succeeds, which an upstream failing 1 request in 50 almost never
  // grants to 100 events (found by the soak: such jobs failed for good after 5 attempts).
  const key = doneKey(ctx);
  const done = ids.length > 1 && ctx.attempt > 1 ? new Set(await ctx.deps.redis.smembers(key)) : new Set<string>();
  const todo = ids.filter((id) => !done.has(id));
  const limit = pLimit(FAN_OUT);
  const settled = await Promise.allSettled(todo.map((eventId) => limit(() => one({ league: p.league, eventId }, ctx))));
  const ok = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const counts = { fetched: 0, inserted: 0, updated: 0, unchanged: 0, quarantined: 0 };
  for (const r of ok) for (const k of Object.keys(counts) as Array<keyof typeof counts>) counts[k] += r.counts[k];
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ eventId: todo[i], error: s.reason as Error }] : []));
  if (failed.length) {
    // Remembered for the retry (best effort: without it the retry fetches them again, unchanged and cheap).
    if (ids.length > 1 && ok.length && !ctx.finalAttempt) await ctx.deps.redis.multi().sadd(key, ...ok.map((r) => r.eventId)).expire(key, DONE_TTL_SECONDS).exec().catch(() => {});
    throw failed.length === 1 ? failed[0]!.error : new AggregateError(failed.map((f) => f.error), `${failed.length} of ${todo.length} summaries failed: ${failed.map((f) => `${f.eventId}: ${f.error.message}`).join('; ')}`);
  }
  if (done.size) await ctx.deps.redis.del(key).catch(() => {});
  return {
    league: p.league, eventIds: ids, changed: ok.some((r) => r.changed), counts, fetchedEarlier: done.size,
    events: ok.reduce((a, r) => a + r.events, 0), skippedUnknownMatch: ok.reduce((a, r) => a + r.skippedUnknownMatch, 0),
  };
}
