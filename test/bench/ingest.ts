// A full league season (380 scoreboard events on 38 matchdays, 380 summaries) built from the recorded
// payloads' shapes, served by a local server, ingested into PostgreSQL through the real queues.
// Then the unchanged season again: its cost as a ratio of the first pass. Rate limits off.
import { readFileSync } from 'node:fs';
import { createPipelineDeps } from '../../pipelines/deps.js';
import { queues } from '../../queues/index.js';
import { FakeUpstream } from '../support/fake-upstream.js';
import { API_KEY, DATABASE_URL, fmt, mb, REDIS_URL } from './support.js';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { startEngine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/espn/${name}`, import.meta.url), 'utf8'));

/** Replaces ids everywhere in a payload: `map` old id → new id for any string value under an "id" key. */
function remapIds(node: unknown, map: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => remapIds(n, map));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'id' && typeof v === 'string' && map.has(v) ? map.get(v) : remapIds(v, map)]));
  }
  return node;
}

function season() {
  const board = fixture('scoreboard-eng.1-2025-05-25.json');
  const template = board.events[0];
  const summary = fixture('summary-760495-fifa.world-live-1st-half.json');
  const teams = Array.from({ length: 20 }, (_, i) => String(9000 + i));
  const matchdays: Array<{ dates: string; events: unknown[] }> = [];
  const summaries = new Map<string, string>();
  // A double round robin (circle method): 38 matchdays of 10 matches.
  for (let round = 0; round < 38; round++) {
    const day = new Date(Date.UTC(2024, 7, 17) + round * 7 * 86_400_000);
    const dates = day.toISOString().slice(0, 10).replace(/-/g, '');
    const events = [];
    for (let k = 0; k < 10; k++) {
      const r = round % 19;
      const a = k === 0 ? 19 : ((r + k) % 19);
      const b = k === 0 ? r : ((r - k + 19) % 19);
      const [home, away] = round < 19 ? [teams[a]!, teams[b]!] : [teams[b]!, teams[a]!];
      const eventId = String(800_000 + round * 10 + k);
      const e = remapIds(structuredClone(template), new Map([['704649', eventId], ['349', home], ['375', away], ['6020', `70${home}`]])) as Record<string, any>;
      e.date = `${day.toISOString().slice(0, 10)}T15:00Z`;
      e.competitions[0].date = e.date;
      for (const c of e.competitions[0].competitors) {
        c.team.displayName = c.team.name = c.team.shortDisplayName = `Team ${c.team.id}`;
        c.team.abbreviation = `T${c.team.id.slice(-2)}`;
        c.score = String((Number(eventId) * (c.homeAway === 'home' ? 7 : 3)) % 4);
      }
      events.push(e);
      const s = remapIds(structuredClone(summary), new Map([['760495', eventId], ['448', home], ['2850', away]]));
      summaries.set(eventId, JSON.stringify(s));
    }
    matchdays.push({ dates, events });
  }
  return { board, matchdays, summaries };
}

async function pass(e: Awaited<ReturnType<typeof startEngine>>, matchdays: Array<{ dates: string }>, eventIds: string[], tag: string) {
  const t = performance.now();
  const sb = done(e, 'ingest-espn-scoreboard', matchdays.length);
  await Promise.all(matchdays.map((m) => e.producer.enqueue('ingest-espn-scoreboard', { league: 'eng.1', dates: m.dates }, { jobId: `${tag}-sb-${m.dates}` })));
  await sb;
  const su = done(e, 'ingest-espn-summary', eventIds.length);
  await Promise.all(eventIds.map((id) => e.producer.enqueue('ingest-espn-summary', { league: 'eng.1', eventId: id }, { jobId: `${tag}-su-${id}` })));
  await su;
  return (performance.now() - t) / 1000;
}

/** Resolves when `n` jobs of `queue` completed in this process's worker; rejects on a failure. */
function done(e: Awaited<ReturnType<typeof startEngine>>, queue: string, n: number): Promise<void> {
  const w = e.workers!.workers.get(queue)!;
  return new Promise((resolve, reject) => {
    let count = 0;
    const ok = () => {
      if (++count === n) {
        w.off('completed', ok);
        w.off('failed', bad);
        resolve();
      }
    };
    const bad = (job: { failedReason?: string } | undefined) => reject(new Error(`${queue} job failed: ${job?.failedReason}`));
    w.on('completed', ok);
    w.on('failed', bad);
  });
}

const ROW_TABLES = ['competitions', 'teams', 'venues', 'matches', 'match_key_events', 'match_team_stats', 'lineups', 'raw_payloads', 'fetch_cursors', 'pipeline_runs'];

export async function run() {
  const { matchdays, summaries } = season();
  const server = new FakeUpstream();
  const url = await server.start();
  const byDate = new Map(matchdays.map((m) => [m.dates, JSON.stringify({ ...fixture('scoreboard-eng.1-2025-05-25.json'), events: m.events })]));
  // Like a CDN in front of a JSON API, the server answers If-None-Match with 304 (the ETag is per URL).
  server.route('/eng.1/scoreboard', { etag: (u) => `"sb-${u.searchParams.get('dates')}"`, body: (_r, u) => byDate.get(u.searchParams.get('dates') ?? '') ?? '{"events":[]}' });
  server.route('/eng.1/summary', { etag: (u) => `"su-${u.searchParams.get('event')}"`, body: (_r, u) => summaries.get(u.searchParams.get('event') ?? '') ?? '{}' });

  const prefix = `bench-ingest-${process.pid}`;
  const config = loadConfig({
    REDIS_URL, DATABASE_URL, API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', SCHEDULES_ENABLED: 'false',
    ROLE: 'worker', WORKER_QUEUES: 'ingest-espn-scoreboard,ingest-espn-summary', RATE_LIMITS_ENABLED: 'false', ESPN_BASE_URL: url,
    CONCURRENCY: 'ingest-espn-scoreboard=4,ingest-espn-summary=8',
  });
  const devNull = new Writable({ write(_c, _e, cb) { cb(); } });
  const e = await startEngine({ config, queues, log: createLogger('warn', [API_KEY], devNull), extendDeps: createPipelineDeps });
  // Start from an empty football schema so the figures are this run's alone.
  await e.db.$executeRawUnsafe(`TRUNCATE ${ROW_TABLES.join(', ')}, match_domain_events, quarantined_records RESTART IDENTITY CASCADE`);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const eventIds = [...summaries.keys()];
    console.log(`ingest: a season of ${eventIds.length} matches (${matchdays.length} scoreboards + ${eventIds.length} summaries) from a local server, rate limits off`);
    const first = await pass(e, matchdays, eventIds, 'first');
    const rows = await countRows(e);
    const again = await pass(e, matchdays, eventIds, 'again');
    const rowsAfter = await countRows(e);
    console.log(`first pass:  ${fmt(first, 2)} s, ${fmt(eventIds.length / first, 1)} matches/s (target ≥ 100) ${eventIds.length / first >= 100 ? 'MET' : 'NOT MET'}`);
    console.log(`rows written: ${fmt(rows.total)} (${Object.entries(rows.by).map(([t, n]) => `${t} ${n}`).join(', ')})`);
    console.log(`unchanged re-ingest: ${fmt(again, 2)} s, ratio to first pass ${fmt(again / first, 3)} (target ≤ 0.10) ${again / first <= 0.1 ? 'MET' : 'NOT MET'}; rows written ${fmt(rowsAfter.total - rows.total - 2 * (matchdays.length + eventIds.length))} besides its own pipeline_runs`);
    console.log(`peak RSS: ${mb(peak)}`);
  } finally {
    clearInterval(sampler);
    await e.stop();
    await server.stop();
  }
}

async function countRows(e: Awaited<ReturnType<typeof startEngine>>) {
  const by: Record<string, number> = {};
  for (const t of ROW_TABLES) by[t] = Number(((await e.db.$queryRawUnsafe(`SELECT count(*)::int AS n FROM ${t}`)) as Array<{ n: number }>)[0]!.n);
  return { by, total: Object.values(by).reduce((a, b) => a + b, 0) };
}
