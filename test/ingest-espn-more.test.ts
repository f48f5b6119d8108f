// Summaries, the archive replay, offline replay of recorded payloads, and the adaptive plan.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { makePlan } from '../pipelines/ingest-plan/index.js';
import { queues } from '../queues/index.js';
import { MAX_SUMMARY_EVENTS } from '../queues/ingest-espn-summary.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/espn/${name}`, import.meta.url), 'utf8');
const engines: TestEngine[] = [];
const dbs: Array<Awaited<ReturnType<typeof cloneTestDatabase>>> = [];
const espn = new FakeUpstream();

beforeAll(async () => {
  await espn.start();
  espn.route('/fifa.world/scoreboard', { body: fixture('scoreboard-fifa.world-20260628-20260719-live-2026-07-11T2139Z.json') });
  espn.route('/fifa.world/summary', { body: (_req, url) => fixture(url.searchParams.get('event') === '760415' ? 'summary-760415-fifa.world-fulltime.json' : 'summary-760495-fifa.world-live-1st-half.json') });
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await espn.stop();
  await Promise.all(dbs.map((d) => d.drop()));
});

async function engineWith(env: Record<string, string>) {
  const db = await cloneTestDatabase();
  dbs.push(db);
  const e = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), queues, extendDeps: createPipelineDeps, env: { SCHEDULES_ENABLED: 'false', ESPN_BASE_URL: espn.url, ...env } });
  engines.push(e);
  return e;
}

async function run(e: TestEngine, queue: string, payload: unknown) {
  const { body, status } = await e.request('POST', `/jobs/${queue}`, { body: payload });
  expect(status).toBe(202);
  return waitFor(async () => {
    const job = (await e.request('GET', `/jobs/${queue}/${body.id}`)).body;
    if (job.state === 'failed') throw new Error(job.failedReason);
    return job.state === 'completed' && job;
  }, 20_000, `${queue} job`);
}

describe('summaries and replay', () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await engineWith({ WORKER_QUEUES: 'ingest-espn-scoreboard,ingest-espn-summary,ingest-replay' });
    await run(e, 'ingest-espn-scoreboard', { league: 'fifa.world', dates: '20260628-20260719' });
  });

  it('stores team statistics, lineups with formations, key events, officials and attendance', async () => {
    const job = await run(e, 'ingest-espn-summary', { league: 'fifa.world', eventId: '760495' });
    expect(job.result).toMatchObject({ changed: true, counts: { fetched: 1, updated: 1, quarantined: 0 } });
    const m = await e.db.match.findFirstOrThrow({ where: { providerId: '760495' }, include: { teamStats: true, lineups: true, keyEvents: true } });
    expect(m.teamStats).toHaveLength(2);
    expect(m.teamStats[0]!.stats).toHaveProperty('possessionPct');
    expect(m.lineups).toHaveLength(2);
    expect(m.lineups.every((l) => Array.isArray(l.starters) && (l.starters as unknown[]).length === 11)).toBe(true);
    expect(m.keyEvents.length).toBeGreaterThan(0);
    expect(Array.isArray(m.officials) && (m.officials as unknown[]).length).toBeGreaterThan(0);
    // The summary (recorded at 45'+6', 0-1) never overrides the scoreboard's newer status and score.
    expect(m).toMatchObject({ status: 'FULL_TIME' });

    const again = await run(e, 'ingest-espn-summary', { league: 'fifa.world', eventId: '760495' });
    expect(again.result).toMatchObject({ changed: false, counts: { updated: 0 } });
  });

  it('re-runs the transforms over the archive without network', async () => {
    const unknown = await run(e, 'ingest-espn-summary', { league: 'fifa.world', eventId: '760415' });
    expect(unknown.result.skippedUnknownMatch).toBe(1); // not on the scoreboard: summaries only enrich known matches
    await e.db.lineup.deleteMany({});
    await e.db.matchTeamStats.deleteMany({});
    const requests = espn.count();
    const job = await run(e, 'ingest-replay', {});
    expect(job.result.payloads).toBe(await e.db.rawPayload.count());
    expect(job.result.counts.updated).toBeGreaterThanOrEqual(1);
    expect(espn.count()).toBe(requests);
    expect(await e.db.lineup.count()).toBe(2);
    expect(await e.db.matchTeamStats.count()).toBe(2);
    expect(job.progress).toBe(100);
  });

  it('fetches several live events side by side in one job, and fails it when one of them fails', async () => {
    const before = espn.count('/fifa.world/summary');
    const job = await run(e, 'ingest-espn-summary', { league: 'fifa.world', eventIds: ['760495', '760415'] });
    // Both were fetched by the tests above: fetched again side by side, unchanged, nothing written.
    expect(job.result).toMatchObject({ eventIds: ['760495', '760415'], changed: false, counts: { fetched: 2, updated: 0 } });
    expect(espn.count('/fifa.world/summary') - before).toBe(2);
    espn.fail({ kind: 'status', status: 404 }, 1, '/fifa.world/summary');
    const { body } = await e.request('POST', '/jobs/ingest-espn-summary', { body: { league: 'fifa.world', eventIds: ['760495', '760415'] } });
    const failed = await waitFor(async () => {
      const j = (await e.request('GET', `/jobs/ingest-espn-summary/${body.id}`)).body;
      return j.state === 'failed' && j;
    });
    expect(failed.failedReason).toMatch(/HTTP 404/);
    expect(failed.attempts).toBe(1); // a 404 is not retried
  });

  it('retries only the events a failed attempt did not store (the soak found jobs of many events failing for good)', async () => {
    const per = (id: string) => espn.requests.filter((r) => r.path.startsWith('/fifa.world/summary') && r.path.includes(`event=${id}`)).length;
    const before = { a: per('760495'), b: per('760415') };
    espn.fail({ kind: 'status', status: 500 }, 1, '/fifa.world/summary');
    const { body } = await e.request('POST', '/jobs/ingest-espn-summary', { body: { league: 'fifa.world', eventIds: ['760495', '760415'] } });
    // The upstream preset's first backoff is 8 s (± 20 %).
    const job = await waitFor(async () => {
      const j = (await e.request('GET', `/jobs/ingest-espn-summary/${body.id}`)).body;
      if (j.state === 'failed') throw new Error(j.failedReason);
      return j.state === 'completed' && j;
    }, 30_000, 'the retried summary job');
    expect(job.attempts).toBe(2);
    expect(job.result).toMatchObject({ eventIds: ['760495', '760415'], fetchedEarlier: 1, counts: { fetched: 1 } });
    // One event was fetched once (stored by the first attempt), the other on both attempts.
    expect([per('760495') - before.a, per('760415') - before.b].sort()).toEqual([1, 2]);
    expect(await e.deps.redis.keys(`${e.config.QUEUE_PREFIX}:ingest:summary-done:${body.id}:*`)).toEqual([]); // forgotten once done
  });

  it('rejects a replay of an unknown source', async () => {
    const { body } = await e.request('POST', '/jobs/ingest-replay', { body: { source: 'nope' } });
    const job = await waitFor(async () => {
      const j = (await e.request('GET', `/jobs/ingest-replay/${body.id}`)).body;
      return j.state === 'failed' && j;
    });
    expect(job.failedReason).toMatch(/no replayer for source "nope"/);
  });
});

describe('FEEDS_REPLAY_DIR', () => {
  it('ingests recorded payloads from a directory, with no network', async () => {
    const e = await engineWith({ WORKER_QUEUES: 'ingest-espn-scoreboard', FEEDS_REPLAY_DIR: new URL('./fixtures/', import.meta.url).pathname, ESPN_BASE_URL: 'http://127.0.0.1:9' });
    const job = await run(e, 'ingest-espn-scoreboard', { league: 'eng.1', dates: '20250525' });
    expect(job.result.counts).toMatchObject({ inserted: 10 });
    const missing = await e.request('POST', '/jobs/ingest-espn-scoreboard', { body: { league: 'ita.1', dates: '20250525' } });
    const failed = await waitFor(async () => {
      const j = (await e.request('GET', `/jobs/ingest-espn-scoreboard/${missing.body.id}`)).body;
      return j.state === 'failed' && j;
    });
    expect(failed.failedReason).toMatch(/no recorded payload for scoreboard:ita.1:20250525/);
  });
});

describe('adaptive plan', () => {
  it('fetches hot leagues every minute, cold ones every 30 minutes, live summaries, weather and news', async () => {
    const e = await engineWith({ WORKER_QUEUES: 'ingest-espn-scoreboard', ESPN_LEAGUES: 'fifa.world,eng.1,esp.1' });
    await run(e, 'ingest-espn-scoreboard', { league: 'fifa.world', dates: '20260628-20260719' });
    // The recorded scoreboard is from 2026-07-11 21:39 UTC: plan as of then.
    const at = Date.parse('2026-07-11T21:40:00Z');
    await e.deps.redis.hset(`${e.config.QUEUE_PREFIX}:ingest:last-scoreboard`, 'esp.1', at - 60_000);
    const plan = await makePlan(e.deps as never, at);
    expect(plan.scoreboards).toEqual([
      { league: 'fifa.world', dates: '20260711', hot: true },
      { league: 'eng.1', dates: '20260710-20260718', hot: false },
    ]);
    const live = await e.db.match.findFirstOrThrow({ where: { providerId: '760512' } });
    expect(plan.summaries).toContainEqual({ league: 'fifa.world', eventId: '760512', final: false });
    const next = await e.db.match.findFirstOrThrow({ where: { providerId: '760513' } }); // scheduled, with a venue
    expect(plan.weather.map((w) => w.matchId)).toContain(next.id);
    expect(plan.weather.map((w) => w.matchId)).not.toContain(live.id);
    expect(plan.news).toBe(true);
  });

  it('fetches the summaries of newly finished matches once, in one job per league', async () => {
    const e = await engineWith({ WORKER_QUEUES: 'ingest-espn-scoreboard,ingest-plan', ESPN_LEAGUES: 'fifa.world' });
    await run(e, 'ingest-espn-scoreboard', { league: 'fifa.world', dates: '20260628-20260719' });
    const finished = await e.db.match.findMany({ where: { status: { in: ['FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES'] } }, select: { providerId: true } });
    expect(finished.length).toBeGreaterThan(1);
    await run(e, 'ingest-plan', {});
    const summaries = e.producer.queue('ingest-espn-summary');
    const finals = (await summaries.getJobs(['waiting'])).filter((j) => j.id!.startsWith('plan-summary-final-'));
    expect(finals).toHaveLength(1);
    expect(finals[0]!.id).toMatch(/^plan-summary-final-fifa\.world-\d+$/);
    expect([...finals[0]!.data.eventIds].sort()).toEqual(finished.map((m) => m.providerId).sort());
    // Even once that job is gone (done and removed), later plans do not fetch them again.
    await finals[0]!.remove();
    await run(e, 'ingest-plan', {});
    expect((await summaries.getJobs(['waiting'])).filter((j) => j.id!.startsWith('plan-summary-final-'))).toHaveLength(0);
  });

  it('splits more finished matches than one summary job takes into several jobs (the soak found the plan failing on a backfilled season)', async () => {
    const e = await engineWith({ WORKER_QUEUES: 'ingest-espn-scoreboard,ingest-plan', ESPN_LEAGUES: 'fifa.world' });
    await run(e, 'ingest-espn-scoreboard', { league: 'fifa.world', dates: '20260628-20260719' });
    const competition = await e.db.competition.findFirstOrThrow({ where: { slug: 'fifa.world' } });
    await e.db.match.createMany({
      data: Array.from({ length: 2 * MAX_SUMMARY_EVENTS + 30 }, (_, i) => ({ provider: 'espn', providerId: String(990_000 + i), competitionId: competition.id, kickoff: new Date(Date.now() - 3 * 3_600_000), status: 'FULL_TIME' as const })),
    });
    const finished = await e.db.match.findMany({ where: { status: { in: ['FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES'] } }, select: { providerId: true } });
    expect(finished.length).toBeGreaterThan(2 * MAX_SUMMARY_EVENTS);
    const plan = await run(e, 'ingest-plan', {});
    expect(plan.state).toBe('completed');
    const finals = (await e.producer.queue('ingest-espn-summary').getJobs(['waiting'])).filter((j) => j.id!.startsWith('plan-summary-final-'));
    expect(finals).toHaveLength(Math.ceil(finished.length / MAX_SUMMARY_EVENTS));
    expect(finals.every((j) => j.data.eventIds.length <= MAX_SUMMARY_EVENTS)).toBe(true);
    expect(finals.flatMap((j) => j.data.eventIds).sort()).toEqual(finished.map((m) => m.providerId).sort());
  });

  it('enqueues each planned fetch once, however often the plan runs', async () => {
    const e = await engineWith({ WORKER_QUEUES: 'ingest-plan', ESPN_LEAGUES: 'eng.1', NEWS_FEEDS: 'bbc=http://127.0.0.1:9/rss' });
    const first = await run(e, 'ingest-plan', {});
    const second = await run(e, 'ingest-plan', {});
    expect(first.result).toMatchObject({ scoreboards: 1, news: true });
    const waiting = await e.producer.queue('ingest-espn-scoreboard').getJobs(['waiting']);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.id).toMatch(/^plan-scoreboard-eng\.1-cold-\d+$/);
    expect(second.result.enqueued).toBe(first.result.enqueued);
  });
});
