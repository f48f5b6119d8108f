// Match state only moves forward (issue #9 items 10 and 11), on the recorded World Cup scoreboard played
// through a sequence a real cache can produce: live → final → the live payload again (served late) →
// a corrected final → an older final (with a cache Age). Then the archive is replayed, twice.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../queues/index.js';
import { createPipelineDeps } from '../src/app/deps.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { TEST_REDIS_URL } from './support/services.js';

const WORLD = JSON.parse(readFileSync(new URL('./fixtures/espn/scoreboard-fifa.world-20260628-20260719-live-2026-07-11T2139Z.json', import.meta.url), 'utf8'));
const EVENT = '760512'; // live in the recording: 38', 1-0

/** The recorded scoreboard with the event finished after penalties at the given score. */
function finalAfterPenalties(home: number, away: number, pens: [number, number]) {
  const copy = structuredClone(WORLD);
  const e = copy.events.find((x: { id: string }) => x.id === EVENT);
  e.status = { ...e.status, period: 5, displayClock: "120'", type: { ...e.status.type, name: 'STATUS_FINAL_PEN', state: 'post', completed: true, detail: 'FT-Pens', shortDetail: 'FT-Pens' } };
  e.competitions[0].status = e.status;
  for (const c of e.competitions[0].competitors) {
    const home_ = c.homeAway === 'home';
    c.score = String(home_ ? home : away);
    c.shootoutScore = home_ ? pens[0] : pens[1];
  }
  return JSON.stringify(copy);
}

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let sub: Redis;
const published: Array<{ type: string; matchId: number }> = [];
const espn = new FakeUpstream();
const prefix = uniquePrefix();

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await espn.start();
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, queues, extendDeps: createPipelineDeps,
    env: { ESPN_BASE_URL: url, WORKER_QUEUES: 'ingest-espn-scoreboard,ingest-replay', SCHEDULES_ENABLED: 'false' },
  });
  sub = new Redis(TEST_REDIS_URL);
  await sub.subscribe(`${prefix}:live:matches`);
  sub.on('message', (_c, m) => published.push(JSON.parse(m)));
});
afterAll(async () => {
  sub?.disconnect();
  await engine?.stop();
  await espn.stop();
  await db?.drop();
});

async function run(queue: string, body: unknown) {
  const { body: job } = await engine.request('POST', `/jobs/${queue}`, { body });
  return waitFor(async () => {
    const j = (await engine.request('GET', `/jobs/${queue}/${job.id}`)).body;
    return ['completed', 'failed'].includes(j.state) && j;
  }, 15_000, `${queue} job`);
}
const scoreboard = async (body: string, headers?: Record<string, string>) => {
  espn.route('/fifa.world/scoreboard', { body, ...(headers ? { headers } : {}) });
  const job = await run('ingest-espn-scoreboard', { league: 'fifa.world', dates: '20260628-20260719' });
  expect(job.state).toBe('completed');
  return job;
};
const match = () => engine.db.match.findFirstOrThrow({ where: { providerId: EVENT } });
const outbox = async () => engine.db.matchDomainEvent.findMany({ where: { matchId: (await match()).id }, orderBy: { id: 'asc' } });
const snapshot = async (id: number) => engine.deps.redis.get(`${prefix}:live:match:${id}`);

describe('match state is monotonic', () => {
  it('never moves a finished match back into play when a cache serves an older in-play payload late', async () => {
    await scoreboard(JSON.stringify(WORLD));
    const live = await match();
    expect(live).toMatchObject({ status: 'FIRST_HALF', minute: 38, homeScore: 1, awayScore: 0 });
    expect(await snapshot(live.id)).not.toBeNull();

    await scoreboard(finalAfterPenalties(2, 1, [4, 3]));
    const final = await match();
    expect(final).toMatchObject({ status: 'AFTER_PENALTIES', homeScore: 2, awayScore: 1, homePenalties: 4, awayPenalties: 3 });
    expect(await snapshot(live.id)).toBeNull();
    await waitFor(() => published.some((m) => m.type === 'ended' && m.matchId === live.id), 2_000, 'the ended message');
    const eventsAfterFinal = await outbox();
    const messagesAfterFinal = published.length;

    // The 38' payload again, fetched now (no Age header: the cache does not say it is stale).
    const stale = await scoreboard(JSON.stringify(WORLD) + ' ');
    expect(stale.result.counts).toMatchObject({ updated: 0 });
    expect(await match()).toMatchObject({ status: 'AFTER_PENALTIES', homeScore: 2, awayScore: 1, homePenalties: 4, awayPenalties: 3, minute: final.minute, stateAt: final.stateAt });
    expect(await outbox()).toEqual(eventsAfterFinal);
    expect(await snapshot(live.id)).toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(published.slice(messagesAfterFinal).filter((m) => m.matchId === live.id)).toEqual([]);
  });

  it('takes a score correction from a newer payload only', async () => {
    // Corrected: a goal of the 2-1 is struck off after the match (a newer payload).
    await scoreboard(finalAfterPenalties(1, 1, [4, 3]));
    const corrected = await match();
    expect(corrected).toMatchObject({ homeScore: 1, awayScore: 1 });
    expect((await outbox()).map((e) => e.kind)).toContain('score-corrected');
    const events = await outbox();

    // The pre-correction final again, from a cache that says it has held it for an hour: older state.
    const older = await scoreboard(finalAfterPenalties(2, 1, [4, 3]), { age: '3600' });
    expect(older.result.counts).toMatchObject({ updated: 0 });
    expect(await match()).toMatchObject({ homeScore: 1, awayScore: 1, stateAt: corrected.stateAt });
    expect(await outbox()).toEqual(events);
  });
});

describe('ingest-replay', () => {
  it('rebuilds from the archive without moving state back or announcing anything, and a second replay writes nothing', async () => {
    const before = await match();
    const events = await engine.db.matchDomainEvent.count();
    const messages = published.length;
    const queued = await engine.producer.queue('match-events').count();
    // Live, final, corrected final: the stale payloads were the same content as archived ones.
    expect(await engine.db.rawPayload.count({ where: { source: 'espn.scoreboard' } })).toBeGreaterThanOrEqual(3);

    const first = await run('ingest-replay', { source: 'espn.scoreboard' });
    expect(first.state).toBe('completed');
    // Every archived payload is older than the match's state: none changes it.
    expect(await match()).toMatchObject({ status: before.status, homeScore: 1, awayScore: 1, homePenalties: 4, awayPenalties: 3, stateAt: before.stateAt, updatedAt: before.updatedAt });
    expect(await engine.db.matchDomainEvent.count()).toBe(events);
    expect(await engine.producer.queue('match-events').count()).toBe(queued);
    expect(await snapshot(before.id)).toBeNull();

    const second = await run('ingest-replay', { source: 'espn.scoreboard' });
    expect(second.result.counts).toMatchObject({ inserted: 0, updated: 0 });
    expect(await engine.db.matchDomainEvent.count()).toBe(events);
    await new Promise((r) => setTimeout(r, 200));
    expect(published.length).toBe(messages);
  });
});
