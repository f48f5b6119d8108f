// The adaptive ingestion schedule, decided once a minute from what the database knows: leagues with a
// live match or a kick-off soon get their scoreboard every minute, the others every 30 minutes; live
// matches get summaries every minute and once after full time; matches in the next days get weather
// every few hours and once at kick-off; news every 10 minutes. Job ids carry the time slot, so several
// replicas (or a retried plan) enqueue each fetch once.
import { ingestEspnNews } from '../../queues/ingest-espn-news.js';
import { ingestEspnScoreboard } from '../../queues/ingest-espn-scoreboard.js';
import { ingestEspnSummary, MAX_SUMMARY_EVENTS } from '../../queues/ingest-espn-summary.js';
import { ingestNewsRss } from '../../queues/ingest-news-rss.js';
import { ingestWeatherMatch } from '../../queues/ingest-weather-match.js';
import type { PayloadOf, QueueDefinition } from '../../src/queue/define.js';
import { sql } from '../../src/db/sql.js';
import type { JobContext } from '../../src/queue/define.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, utc } from '../../src/time.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { republishPending } from '../_feeds/events.js';
import { espnDate } from '../_espn/requests.js';

const LIVE = ['FIRST_HALF', 'HALF_TIME', 'SECOND_HALF', 'END_OF_REGULATION', 'EXTRA_TIME', 'PENALTIES'];
const FINISHED = ['FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES'];
const slot = (now: number, everyMs: number) => Math.floor(now / everyMs);

export interface Plan {
  scoreboards: Array<{ league: string; dates: string; hot: boolean }>;
  summaries: Array<{ league: string; eventId: string; final: boolean }>;
  weather: Array<{ matchId: number; atKickoff: boolean }>;
  news: boolean;
}


export async function run(_p: Record<string, never>, ctx: JobContext<IngestPipelineDeps>) {
  const { deps } = ctx;
  const now = Date.now();
  const plan = await makePlan(ctx.deps, now);
  const c = deps.config;
  // Collected per queue and enqueued in one round trip each.
  const jobs = new Map<QueueDefinition, Array<{ payload: unknown; jobId: string }>>();
  const add = <D extends QueueDefinition>(def: D, payload: PayloadOf<D>, jobId: string) => {
    if (!deps.runs(def)) return; // a deployment may leave a feed out of queues/index.ts
    push(jobs, def, { payload, jobId });
  };
  for (const s of plan.scoreboards) add(ingestEspnScoreboard, { league: s.league, dates: s.dates }, `plan-scoreboard-${s.league}-${s.hot ? 'hot' : 'cold'}-${slot(now, s.hot ? c.SCOREBOARD_HOT_EVERY_MS : c.SCOREBOARD_COLD_EVERY_MS)}`);
  // Summaries: one job per league per minute fetching its live events side by side, and one per league
  // (per MAX_SUMMARY_EVENTS events)
  // for the events that finished since the last plan (each fetched once after full time).
  const live = new Map<string, string[]>();
  for (const s of plan.summaries.filter((x) => !x.final)) push(live, s.league, s.eventId);
  // A league's list longer than one job takes (a backfilled season finishes hundreds of matches at once)
  // goes in several jobs: the first keeps the plain id, the others add their part number.
  const summaryJobs = (kind: string, league: string, eventIds: string[]) => {
    const sorted = [...eventIds].sort();
    for (let i = 0; i * MAX_SUMMARY_EVENTS < sorted.length; i++) {
      const part = sorted.slice(i * MAX_SUMMARY_EVENTS, (i + 1) * MAX_SUMMARY_EVENTS);
      add(ingestEspnSummary, { league, eventIds: part }, `plan-summary-${kind}-${league}-${slot(now, c.SUMMARY_LIVE_EVERY_MS)}${i ? `-${i + 1}` : ''}`);
    }
  };
  for (const [league, eventIds] of live) summaryJobs('live', league, eventIds);
  const finals = await notYetFinal(deps, plan.summaries.filter((x) => x.final));
  const byLeague = new Map<string, string[]>();
  for (const s of finals) push(byLeague, s.league, s.eventId);
  for (const [league, eventIds] of byLeague) summaryJobs('final', league, eventIds);
  for (const w of plan.weather) add(ingestWeatherMatch, { matchId: w.matchId }, w.atKickoff ? `plan-weather-${w.matchId}-kickoff` : `plan-weather-${w.matchId}-${slot(now, c.WEATHER_EVERY_MS)}`);
  if (plan.news) {
    const s = slot(now, c.NEWS_EVERY_MS);
    for (const feed of deps.newsFeeds.keys()) add(ingestNewsRss, { feed }, `plan-news-${feed}-${s}`);
    for (const league of c.ESPN_LEAGUES) add(ingestEspnNews, { league }, `plan-espn-news-${league}-${s}`);
  }
  let enqueued = 0;
  for (const [def, items] of jobs) enqueued += (await deps.enqueueBulk(def, items)).length;
  // Marked only once enqueued: a plan that dies before this line re-plans them next minute (refetching
  // an unchanged summary costs a conditional request, nothing more).
  await markFinal(deps, finals);
  const republished = await republishPending(deps);
  return { scoreboards: plan.scoreboards.length, summaries: plan.summaries.length, weather: plan.weather.length, news: plan.news, enqueued, republished };
}

// Which finished events had their after-full-time summary planned: one Redis key per event, kept
// longer than the planner's look-back (finished in the last day), shared by all replicas.
const finalKey = (deps: Pick<IngestPipelineDeps, 'config'>, eventId: string) => `${deps.config.QUEUE_PREFIX}:ingest:final-summary:${eventId}`;

async function notYetFinal(deps: Pick<IngestPipelineDeps, 'config' | 'redis'>, finals: Plan['summaries']): Promise<Plan['summaries']> {
  if (!finals.length) return [];
  const seen = await deps.redis.mget(...finals.map((f) => finalKey(deps, f.eventId)));
  return finals.filter((_, i) => seen[i] === null);
}

async function markFinal(deps: Pick<IngestPipelineDeps, 'config' | 'redis'>, finals: Plan['summaries']): Promise<void> {
  if (!finals.length) return;
  const tx = deps.redis.multi();
  for (const f of finals) tx.set(finalKey(deps, f.eventId), '1', 'EX', 2 * DAY_MS / 1000);
  await tx.exec();
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

export async function makePlan(deps: Pick<IngestPipelineDeps, 'sql' | 'redis' | 'config'>, now: number): Promise<Plan> {
  const { sql: main, redis, config: c } = deps;
  const all = c.ESPN_LEAGUES;
  // matches.kickoff is a UTC timestamp without zone: compared in UTC wall time.
  const hotRows = await main.query<{ slug: string }>(sql`
    SELECT DISTINCT co.slug FROM matches m JOIN competitions co ON co.id = m.competition_id
    WHERE co.slug = ANY(${all}::text[]) AND (m.status::text = ANY(${LIVE}::text[])
       OR (m.status = 'SCHEDULED' AND m.kickoff BETWEEN ${utc(now - 3 * HOUR_MS)}::timestamp AND ${utc(now + c.SCOREBOARD_HOT_WINDOW_MS)}::timestamp))`);
  const hot = new Set(hotRows.map((r) => r.slug));
  const last = await redis.hgetall(`${c.QUEUE_PREFIX}:ingest:last-scoreboard`);
  const scoreboards: Plan['scoreboards'] = [];
  for (const league of all) {
    if (hot.has(league)) scoreboards.push({ league, dates: espnDate(new Date(now)), hot: true });
    else if (now - Number(last[league] ?? 0) >= c.SCOREBOARD_COLD_EVERY_MS) {
      scoreboards.push({ league, dates: `${espnDate(new Date(now - DAY_MS))}-${espnDate(new Date(now + 7 * DAY_MS))}`, hot: false });
    }
  }

  const summaryRows = await main.query<{ slug: string; provider_id: string; status: string }>(sql`
    SELECT co.slug, m.provider_id, m.status::text AS status FROM matches m JOIN competitions co ON co.id = m.competition_id
    WHERE m.provider = 'espn' AND co.slug = ANY(${all}::text[])
      AND (m.status::text = ANY(${LIVE}::text[]) OR (m.status::text = ANY(${FINISHED}::text[]) AND m.updated_at > ${utc(now - DAY_MS)}::timestamp))`);
  const summaries = summaryRows.map((r) => ({ league: r.slug, eventId: r.provider_id, final: FINISHED.includes(r.status) }));

  const weatherRows = await main.query<{ id: number; kickoff: Date }>(sql`
    SELECT id, kickoff FROM matches WHERE venue_id IS NOT NULL AND status IN ('SCHEDULED', 'DELAYED', 'FIRST_HALF')
      AND kickoff BETWEEN ${utc(now - 10 * MINUTE_MS)}::timestamp AND ${utc(now + c.WEATHER_HORIZON_DAYS * DAY_MS)}::timestamp`);
  const weather = weatherRows.map((r) => ({ matchId: Number(r.id), atKickoff: Math.abs(r.kickoff.getTime() - now) <= 10 * MINUTE_MS }));

  // News every NEWS_EVERY_MS: the slot in the job id makes the minutely plans of one slot enqueue it once.
  return { scoreboards, summaries, weather, news: true };
}
