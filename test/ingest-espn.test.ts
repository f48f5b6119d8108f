// ESPN scoreboard ingestion end to end: a local server replays the recorded payloads (and variants of
// them) to a real engine on real Redis and PostgreSQL.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { queues } from '../queues/index.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { TEST_REDIS_URL } from './support/services.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/espn/${name}`, import.meta.url), 'utf8');
const EPL = fixture('scoreboard-eng.1-2025-05-25.json');
const WORLD = JSON.parse(fixture('scoreboard-fifa.world-20260628-20260719-live-2026-07-11T2139Z.json'));

/** The world-cup scoreboard with event 760512 set to a given status and score. */
function worldWith(status: { name: string; state: string; period: number; clock?: string }, home: number | null, away: number | null) {
  const copy = structuredClone(WORLD);
  const e = copy.events.find((x: { id: string }) => x.id === '760512');
  const type = { ...e.status.type, name: status.name, state: status.state, completed: false };
  e.status = { ...e.status, period: status.period, displayClock: status.clock ?? e.status.displayClock, type };
  e.competitions[0].status = e.status;
  for (const c of e.competitions[0].competitors) c.score = c.homeAway === 'home' ? (home === null ? undefined : String(home)) : away === null ? undefined : String(away);
  if (home === 0) e.competitions[0].details = [];
  return JSON.stringify(copy);
}

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let sub: Redis;
const published: string[] = [];
const espn = new FakeUpstream();
const prefix = uniquePrefix();

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await espn.start();
  espn.route('/eng.1/scoreboard', { body: EPL, etag: '"epl-v1"' });
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, queues, extendDeps: createPipelineDeps,
    env: { ESPN_BASE_URL: url, WORKER_QUEUES: 'ingest-espn-scoreboard', SCHEDULES_ENABLED: 'false', UPSTREAM_BREAKER_VOLUME: '4', UPSTREAM_BREAKER_RESET_MS: '3000', UPSTREAM_TIMEOUT_MS: '500' },
  });
  sub = new Redis(TEST_REDIS_URL);
  await sub.subscribe(`${prefix}:live:matches`);
  sub.on('message', (_c, m) => published.push(m));
});
afterAll(async () => {
  sub?.disconnect();
  await engine?.stop();
  await espn.stop();
  await db?.drop();
});

async function ingest(league: string, dates: string, expectState = 'completed') {
  const { body } = await engine.request('POST', '/jobs/ingest-espn-scoreboard', { body: { league, dates } });
  let last: { state?: string; failedReason?: string } = {};
  return waitFor(async () => {
    const job = (await engine.request('GET', `/jobs/ingest-espn-scoreboard/${body.id}`)).body;
    last = job;
    return job.state === expectState && job;
  }, 15_000, `scoreboard job to be ${expectState}`).catch((err) => {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last).slice(0, 600)}`);
  });
}
const matchEvents = async () => (await engine.producer.queue('match-events').getJobs(['waiting', 'delayed'])).map((j) => j.data);

describe('scoreboard ingestion', () => {
  it('stores matches, teams, venue and competition, and records the run', async () => {
    const job = await ingest('eng.1', '20250525');
    expect(job.result).toMatchObject({ changed: true, counts: { fetched: 1, inserted: 10, updated: 0, unchanged: 0, quarantined: 0 } });
    expect(await engine.db.match.count({ where: { competition: { slug: 'eng.1' } } })).toBe(10);
    expect(await engine.db.team.count()).toBe(20);
    const m = await engine.db.match.findFirstOrThrow({ where: { providerId: '704649' }, include: { homeTeam: true, awayTeam: true } });
    expect(m.status).toBe('FULL_TIME');
    expect(m.homeScore).not.toBeNull();
    expect(m.kickoff.toISOString().startsWith('2025-05-25')).toBe(true);
    const run = await engine.db.pipelineRun.findFirstOrThrow({ where: { queue: 'ingest-espn-scoreboard', jobId: job.id } });
    expect(run.counts).toMatchObject({ fetched: 1, inserted: 10 });
    expect(await engine.db.rawPayload.count()).toBe(1);
  });

  it('costs no writes when the payload is unchanged (ETag 304), and none when the content is the same', async () => {
    const before = await engine.db.match.findMany({ select: { id: true, updatedAt: true }, orderBy: { id: 'asc' } });
    const job = await ingest('eng.1', '20250525');
    expect(espn.requests.at(-1)!.headers['if-none-match']).toBe('"epl-v1"');
    expect(job.result).toMatchObject({ changed: false, counts: { fetched: 1, inserted: 0, updated: 0 } });
    espn.route('/eng.1/scoreboard', { body: EPL, etag: '"epl-v2"' }); // same bytes, new ETag
    const again = await ingest('eng.1', '20250525');
    expect(again.result.changed).toBe(false);
    expect(await engine.db.match.findMany({ select: { id: true, updatedAt: true }, orderBy: { id: 'asc' } })).toEqual(before);
    expect(await engine.db.rawPayload.count()).toBe(1);
    expect(await matchEvents()).toEqual([]);
  });

  it('emits one event per change, publishes live snapshots, and nothing on a replay', async () => {
    espn.route('/fifa.world/scoreboard', { body: worldWith({ name: 'STATUS_SCHEDULED', state: 'pre', period: 0 }, null, null) });
    const first = await ingest('fifa.world', '20260628-20260719');
    expect(first.result.counts).toMatchObject({ inserted: 32, quarantined: 0 });
    // Knockout placeholders ("Winner …") created no teams.
    expect(await engine.db.team.count({ where: { name: { contains: 'Winner' } } })).toBe(0);
    expect(await engine.db.match.count({ where: { homeTeamId: null, NOT: { homeTeamPlaceholder: null } } })).toBeGreaterThan(0);
    expect(await matchEvents()).toEqual([]);

    espn.route('/fifa.world/scoreboard', { body: JSON.stringify(WORLD) }); // the recorded live state: 38', 1-0
    const live = await ingest('fifa.world', '20260628-20260719');
    expect(live.result.counts).toMatchObject({ updated: 1, unchanged: 31 });
    const match = await engine.db.match.findFirstOrThrow({ where: { providerId: '760512' } });
    expect(match).toMatchObject({ status: 'FIRST_HALF', minute: 38, homeScore: 1, awayScore: 0 });
    const events = await matchEvents();
    expect(events.map((e) => e.kind).sort()).toEqual(['goal', 'kick-off']);
    expect(events.every((e) => e.matchId === match.id)).toBe(true);
    const snapshot = JSON.parse((await engine.deps.redis.get(`${prefix}:live:match:${match.id}`))!);
    expect(snapshot).toMatchObject({ status: 'FIRST_HALF', minute: 38, homeScore: 1, awayScore: 0 });
    expect(await engine.deps.redis.ttl(`${prefix}:live:match:${match.id}`)).toBeGreaterThan(200);
    await waitFor(() => published.length > 0, 2_000, 'a live message');
    expect(JSON.parse(published.at(-1)!)).toMatchObject({ type: 'live', matchId: match.id, homeScore: 1 });

    // The same payload with another ETag-less fetch: nothing new.
    espn.route('/fifa.world/scoreboard', { body: JSON.stringify(WORLD) + ' ' }); // other bytes, same content
    const replay = await ingest('fifa.world', '20260628-20260719');
    expect(replay.result.counts).toMatchObject({ inserted: 0, updated: 0, unchanged: 32 });
    expect((await matchEvents()).length).toBe(2);

    espn.route('/fifa.world/scoreboard', { body: worldWith({ name: 'STATUS_HALFTIME', state: 'in', period: 1, clock: "45'" }, 1, 0) });
    await ingest('fifa.world', '20260628-20260719');
    expect((await matchEvents()).map((e) => e.kind).sort()).toEqual(['goal', 'half-time', 'kick-off']);
    expect(await engine.db.matchDomainEvent.count({ where: { publishedAt: null } })).toBe(0);
  });

  it('quarantines a record with wrong types and stores the rest of the batch', async () => {
    const bad = JSON.parse(EPL);
    bad.events[3].date = 'not a date';
    bad.events[5].competitions[0].competitors[0].score = { goals: 'two' };
    espn.route('/eng.1/scoreboard', { body: JSON.stringify(bad) });
    const job = await ingest('eng.1', '20250526');
    expect(job.result.counts).toMatchObject({ quarantined: 2, unchanged: 8 });
    const q = await engine.db.quarantinedRecord.findMany({ orderBy: { recordKey: 'asc' } });
    expect(q.map((r) => r.recordKey).sort()).toEqual([bad.events[3].id, bad.events[5].id].sort());
    expect(q.find((r) => r.recordKey === bad.events[3].id)!.error).toMatch(/date/);
    // Seen again: counted, not duplicated.
    bad.events[0].name = 'changed so the payload differs';
    espn.route('/eng.1/scoreboard', { body: JSON.stringify(bad) });
    await ingest('eng.1', '20250527');
    expect(await engine.db.quarantinedRecord.count()).toBe(2);
    expect((await engine.db.quarantinedRecord.findFirstOrThrow({ where: { recordKey: bad.events[3].id } })).count).toBe(2);
  });
});

describe('upstream faults', () => {
  it('sends a job back with the delay of a 429 Retry-After', async () => {
    espn.fail({ kind: 'status', status: 429, retryAfter: '2' }, 1, '/eng.1/');
    const job = await ingest('eng.1', '20250601', 'delayed');
    expect(job.failedReason).toMatch(/HTTP 429 with Retry-After; retry in 2000 ms/);
    const delayed = (await engine.producer.queue('ingest-espn-scoreboard').getJob(job.id))!;
    expect(delayed.delay).toBeGreaterThanOrEqual(1_900);
    await delayed.remove(); // keep its retry from taking the next test's injected faults
  });

  it('fails retryably on a timeout, a truncated body and a malformed body, storing nothing', async () => {
    const runs = await engine.db.rawPayload.count();
    // A cut connection is retried once at once (a kept-alive socket may just have been closed), so it is injected twice.
    for (const [fault, times] of [[{ kind: 'delay', ms: 1_500 }, 1], [{ kind: 'truncate' }, 2], [{ kind: 'malformed' }, 1]] as const) {
      espn.fail(fault, times, '/eng.1/');
      const job = await ingest('eng.1', '20250602', 'delayed');
      expect(job.failedReason).toMatch(/timed out|terminated|other side closed|malformed JSON|UND_ERR/i);
      await engine.producer.queue('ingest-espn-scoreboard').remove(job.id);
    }
    expect(await engine.db.rawPayload.count()).toBe(runs);
  });

  it('opens the breaker after a burst of 500s, sends jobs back untried while open, and closes after a good probe', async () => {
    espn.fail({ kind: 'status', status: 500 }, 100, '/eng.1/');
    // One early failure must not open it: it opens only once the volume threshold (4) is reached and
    // failures are half the rolling window (earlier tests left successes in it). A job that meets the open
    // breaker goes back to delayed with no attempt spent and no failure recorded.
    let failures = 0;
    for (; failures < 30; ) {
      const job = await ingest('eng.1', `202507${String(failures + 10).padStart(2, '0')}`, 'delayed');
      await engine.producer.queue('ingest-espn-scoreboard').remove(job.id);
      if (job.attempts === 0) break;
      expect(job.failedReason).toMatch(/HTTP 500/);
      failures++;
    }
    expect(failures).toBeGreaterThanOrEqual(4);
    const status = (await engine.request('GET', '/status')).body;
    expect(status.breakers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'espn', state: 'open' })]));
    expect(String((await engine.request('GET', '/metrics')).body)).toMatch(/^matchday_circuit_state\{upstream="espn"\} 2$/m);
    // How long it has not been closed (what MatchdayCircuitOpenTooLong reads) grows while it stays open.
    const openFor = async () => Number(/^matchday_circuit_open_seconds\{upstream="espn"\} ([\d.e+-]+)$/m.exec(String((await engine.request('GET', '/metrics')).body))?.[1]);
    const first = await openFor();
    expect(first).toBeGreaterThan(0);
    const seen = espn.count('/eng.1/');
    const fast = await ingest('eng.1', '20250610', 'delayed');
    expect(fast).toMatchObject({ attempts: 0, failedReason: null });
    expect(espn.count('/eng.1/')).toBe(seen); // sent back at once, no request sent
    await engine.producer.queue('ingest-espn-scoreboard').remove(fast.id);
    espn.clearFaults();
    await new Promise((r) => setTimeout(r, 3_100));
    // Half-open now (no probe yet): still not closed, counted from the opening.
    expect(await openFor()).toBeGreaterThan(first + 3);
    espn.route('/eng.1/scoreboard', { body: EPL });
    const ok = await ingest('eng.1', '20250611');
    expect(ok.state).toBe('completed');
    expect((await engine.request('GET', '/status')).body.breakers.find((b: { name: string }) => b.name === 'espn').state).toBe('closed');
    expect(await openFor()).toBe(0);
    expect(String((await engine.request('GET', '/metrics')).body)).toMatch(/^matchday_circuit_transitions_total\{upstream="espn",to="open"\} 1$/m);
  });
});
