// Live match snapshots in Redis stay alive while the match is live, even when the scoreboard does not
// change for longer than their TTL (a long stoppage, a wait before extra time): real engine, real Redis
// and PostgreSQL, a local server replaying the recorded live World Cup scoreboard.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { queues } from '../queues/index.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

// Event 760512 is live in it: 38', 1-0.
const WORLD = readFileSync(new URL('./fixtures/espn/scoreboard-fifa.world-20260628-20260719-live-2026-07-11T2139Z.json', import.meta.url), 'utf8');

function finished(): string {
  const copy = JSON.parse(WORLD);
  const e = copy.events.find((x: { id: string }) => x.id === '760512');
  e.status = { ...e.status, period: 2, displayClock: "90'+4'", type: { ...e.status.type, name: 'STATUS_FULL_TIME', state: 'post', completed: true } };
  e.competitions[0].status = e.status;
  return JSON.stringify(copy);
}

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const espn = new FakeUpstream();
const prefix = uniquePrefix();

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await espn.start();
  espn.route('/fifa.world/scoreboard', { body: WORLD, etag: '"live-1"' });
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, queues, extendDeps: createPipelineDeps,
    env: { ESPN_BASE_URL: url, WORKER_QUEUES: 'ingest-espn-scoreboard', SCHEDULES_ENABLED: 'false', RATE_LIMITS_ENABLED: 'false', LIVE_SNAPSHOT_TTL_SECONDS: '60' },
  });
});
afterAll(async () => {
  await engine?.stop();
  await espn.stop();
  await db?.drop();
});

async function ingest(dates = '20260628-20260719') {
  const { body } = await engine.request('POST', '/jobs/ingest-espn-scoreboard', { body: { league: 'fifa.world', dates } });
  return waitFor(async () => {
    const job = (await engine.request('GET', `/jobs/ingest-espn-scoreboard/${body.id}`)).body;
    if (job.state === 'failed') throw new Error(job.failedReason);
    return job.state === 'completed' && job;
  }, 15_000, 'the scoreboard job');
}

describe('live snapshots', () => {
  let key = '';
  const redis = () => engine.deps.redis;

  it('get a fresh TTL from every fetch that sees the match live, even an unchanged one', async () => {
    const first = await ingest();
    expect(first.result).toMatchObject({ changed: true, live: 1 });
    const match = await engine.db.match.findFirstOrThrow({ where: { providerId: '760512' } });
    key = `${prefix}:live:match:${match.id}`;
    const snapshot = await redis().get(key);
    expect(JSON.parse(snapshot!)).toMatchObject({ matchId: match.id, status: 'FIRST_HALF', minute: 38 });

    // The stoppage drags on: the snapshot is close to expiring when the next fetch answers 304.
    await redis().expire(key, 5);
    const notModified = await ingest();
    expect(espn.requests.at(-1)!.headers['if-none-match']).toBe('"live-1"');
    expect(notModified.result).toMatchObject({ changed: false, live: 1, counts: { inserted: 0, updated: 0 } });
    expect(await redis().ttl(key)).toBeGreaterThan(50);

    // Same content under a new ETag (no 304, the hash says unchanged): refreshed too, content untouched.
    espn.route('/fifa.world/scoreboard', { body: WORLD, etag: '"live-2"' });
    await redis().expire(key, 5);
    const sameContent = await ingest();
    expect(sameContent.result).toMatchObject({ changed: false, live: 1 });
    expect(await redis().ttl(key)).toBeGreaterThan(50);
    expect(await redis().get(key)).toBe(snapshot);
  });

  it('are not brought back by an unchanged fetch once the match has ended', async () => {
    // The same live payload under another request key, so that request's index names the match too.
    await ingest('20260711');
    espn.route('/fifa.world/scoreboard', { body: finished(), etag: '"ended"' });
    const ended = await ingest();
    expect(ended.result).toMatchObject({ changed: true, live: 0 });
    expect(await redis().exists(key)).toBe(0);
    // The other request's payload (still showing it live) comes back unchanged: the ended match stays gone.
    espn.route('/fifa.world/scoreboard', { body: WORLD, etag: '"live-2"' });
    const stale = await ingest('20260711');
    expect(stale.result).toMatchObject({ changed: false, live: 0 });
    expect(await redis().exists(key)).toBe(0);
  });
});
