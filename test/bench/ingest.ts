// A full league season (380 scoreboard events on 38 matchdays, 380 summaries) built from the recorded
// payloads' shapes, served by a local server in a second process, ingested into PostgreSQL through the
// real queues.
// Then the unchanged season again, three times (it is what every later scheduled fetch costs): the
// median of those passes as a ratio of the first pass. Rate limits off.
import { ingestEspnScoreboard } from '../../queues/ingest-espn-scoreboard.js';
import { ingestEspnSummary } from '../../queues/ingest-espn-summary.js';
import { spawn } from 'node:child_process';
import { createPipelineDeps } from '../../src/app/deps.js';
import { queues } from '../../queues/index.js';
import { API_KEY, DATABASE_URL, fmt, mb, REDIS_URL } from './support.js';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { withDatabase } from '../../src/db/admin.js';
import { sql } from '../../src/db/sql.js';
import { startEngine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';

async function pass(e: Awaited<ReturnType<typeof startEngine>>, matchdays: Array<{ dates: string }>, eventIds: string[], tag: string) {
  globalThis.gc?.(); // each pass starts on a collected heap (the bench runs with --expose-gc)
  const t = performance.now();
  const sb = done(e, 'ingest-espn-scoreboard', matchdays.length);
  // Enqueued in bulk, as the ingest planner does.
  await e.producer.enqueueBulk(ingestEspnScoreboard, matchdays.map((m) => ({ payload: { league: 'eng.1', dates: m.dates }, jobId: `${tag}-sb-${m.dates}` })));
  await sb;
  const tsb = performance.now();
  // The summaries of a matchday's finished matches in one job (10 fetched side by side), as the planner
  // enqueues a league's newly finished events.
  const groups: string[][] = [];
  for (let i = 0; i < eventIds.length; i += 10) groups.push(eventIds.slice(i, i + 10));
  const su = done(e, 'ingest-espn-summary', groups.length);
  await e.producer.enqueueBulk(ingestEspnSummary, groups.map((ids) => ({ payload: { league: 'eng.1', eventIds: ids }, jobId: `${tag}-su-${ids[0]}` })));
  await su;
  console.log(`  ${tag}: scoreboards ${fmt((tsb - t) / 1000, 2)} s, summaries ${fmt((performance.now() - tsb) / 1000, 2)} s`);
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
  // The upstream runs in a second process, so serving 140 MB of JSON does not eat the engine's CPU.
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./ingest-server.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<{ url: string; dates: string[]; eventIds: string[] }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
    });
    child.on('exit', (code) => reject(new Error(`bench upstream exited with ${code}`)));
  });
  const url = info.url;
  const matchdays = info.dates.map((dates) => ({ dates }));
  const prefix = `bench-ingest-${process.pid}`;
  const config = loadConfig({
    REDIS_URL, DATABASE_URL: withDatabase(DATABASE_URL, 'matchday_bench_ingest'), API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', SCHEDULES_ENABLED: 'false',
    ROLE: 'worker', WORKER_QUEUES: 'ingest-espn-scoreboard,ingest-espn-summary', RATE_LIMITS_ENABLED: 'false', ESPN_BASE_URL: url,
    CONCURRENCY: process.env.BENCH_CONCURRENCY ?? 'ingest-espn-scoreboard=4,ingest-espn-summary=8',
  });
  const devNull = new Writable({ write(_c, _e, cb) { cb(); } });
  const e = await startEngine({ config, queues, log: createLogger('warn', [API_KEY], devNull), extendDeps: createPipelineDeps });
  // Start from an empty football schema so the figures are this run's alone.
  await e.deps.sql.execute(sql`TRUNCATE ${sql.idents(ROW_TABLES)}, match_domain_events, quarantined_records RESTART IDENTITY CASCADE`);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const eventIds = info.eventIds;
    console.log(`ingest: a season of ${eventIds.length} matches (${matchdays.length} scoreboards + ${eventIds.length} summaries, one summary job per matchday) from a local server, rate limits off`);
    const first = await pass(e, matchdays, eventIds, 'first');
    const rows = await countRows(e);
    const agains: number[] = [];
    for (let i = 1; i <= 3; i++) agains.push(await pass(e, matchdays, eventIds, `unchanged ${i}`));
    const again = [...agains].sort((a, b) => a - b)[1]!;
    const rowsAfter = await countRows(e);
    console.log(`first pass:  ${fmt(first, 2)} s, ${fmt(eventIds.length / first, 1)} matches/s (target ≥ 100) ${eventIds.length / first >= 100 ? 'MET' : 'NOT MET'}`);
    console.log(`rows written: ${fmt(rows.total)} (${Object.entries(rows.by).map(([t, n]) => `${t} ${n}`).join(', ')})`);
    console.log(`unchanged re-ingest: ${agains.map((a) => fmt(a, 2)).join(' / ')} s, median ${fmt(again, 2)} s, ratio to first pass ${fmt(again / first, 3)} (target ≤ 0.10) ${again / first <= 0.1 ? 'MET' : 'NOT MET'}; rows written ${fmt(rowsAfter.total - rows.total - agains.length * (matchdays.length + Math.ceil(eventIds.length / 10)))} besides their own pipeline_runs`);
    console.log(`peak RSS: ${mb(peak)}`);
  } finally {
    clearInterval(sampler);
    await e.stop();
    child.kill('SIGTERM');
  }
}

async function countRows(e: Awaited<ReturnType<typeof startEngine>>) {
  const by: Record<string, number> = {};
  for (const t of ROW_TABLES) by[t] = (await e.deps.sql.one<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${sql.ident(t)}`)).n;
  return { by, total: Object.values(by).reduce((a, b) => a + b, 0) };
}
