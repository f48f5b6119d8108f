// The soak: `npm run soak -- --minutes 10` (CI: --minutes 1). Three real engine processes (one ROLE=api,
// two ROLE=worker) on a Redis and a PostgreSQL of the soak's own, under a mixed load for the whole run,
// while faults are injected at random: kill -9 of a worker (and its restart) about every minute, one
// Redis crash, one PostgreSQL crash, one upstream outage long enough to open its circuit breaker.
// At the end it checks the invariants, prints a report and exits 1 when one breaks (naming it).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { queues } from '../../queues/index.js';
import { ensureDatabase } from '../../src/db/admin.js';
import { createDb } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { routeSeason } from '../bench/season.js';
import { seedLeague } from '../ml/seed.js';
import { FakeMlService } from '../ml/fake-ml-service.js';
import { FakeUpstream, type Fault } from '../support/fake-upstream.js';
import { freePort, SoakPostgres, SoakRedis } from './services.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const API_KEY = 'soak-api-key-0123456789abcdef';
const PREFIX = 'soak';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (a: number, b: number) => a + Math.random() * (b - a);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const s = (ms: number) => `${fmt(ms / 1000, 1)} s`;
const mb = (kb: number) => `${fmt(kb / 1024, 0)} MB`;

function args() {
  const i = process.argv.indexOf('--minutes');
  const minutes = i >= 0 ? Number(process.argv[i + 1]) : 10;
  if (!(minutes > 0 && minutes <= 24 * 60)) {
    console.error('usage: npm run soak -- --minutes <n> (0 < n ≤ 1440; default 10)');
    process.exit(2);
  }
  return { minutes, keep: process.argv.includes('--keep') };
}

// Every schedule at a fast cadence (SCHEDULES overrides, src/config.ts): period in ms per scheduled queue.
const CADENCE: Record<string, number> = {
  'agent-commands': 2_000, 'ingest-plan': 5_000, 'stats-ab': 10_000, 'engine-housekeeping': 15_000,
  'stats-accuracy': 15_000, 'stats-drift': 15_000, 'ml-baseline-fit': 20_000, 'ml-retrain': 30_000,
};
const SCHEDULED = queues.filter((q) => q.schedule).map((q) => q.name);

// ---------------------------------------------------------------------------------------------- state
interface FaultRecord {
  kind: 'worker kill -9' | 'redis crash' | 'postgres crash' | 'upstream outage';
  detail: string;
  start: number;
  restored?: number;
  recovered?: number;
  note?: string;
}
interface Accepted { queue: string; id: string; key: string; body: unknown; at: number; repeats: number }
interface Sample { at: number; ms: number; status: number | 'error' }

const violations: string[] = [];
const notes: string[] = [];
const faults: FaultRecord[] = [];
const accepted = new Map<string, Accepted>(); // by idempotency key
const samples: Sample[] = [];
const refusals = { s503: 0, errors: 0, other: new Map<number, number>() };
const ticks = new Map<string, Map<string, TickSeen>>(); // queue → job id → what was seen
interface TickSeen { id: string; at: number; state: string; attemptsStarted: number; attemptsMade: number; processedOn?: number; finishedOn?: number; skipped: boolean; failedReason?: string }
let breakerOpenedMax = 0;
let scrapeFailures = 0;

// ------------------------------------------------------------------------------------------- engines
class EngineProcess {
  child?: ChildProcess;
  /** Answered /healthz since its last start. */
  ready = false;
  pid = 0;
  startedAt = 0;
  readonly lives: Array<{ pid: number; startedAt: number; endedAt?: number; rss: Array<[number, number]>; how?: string; exit?: string }> = [];
  constructor(readonly name: string, readonly role: 'api' | 'worker', readonly port: number, private readonly env: Record<string, string>, private readonly logPath: string) {}

  async start() {
    const out = openSync(this.logPath, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT, env: { ...process.env, ...this.env, ROLE: this.role, PORT: String(this.port) }, stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.ready = false;
    this.pid = child.pid!;
    this.startedAt = Date.now();
    const life = { pid: this.pid, startedAt: this.startedAt, rss: [] as Array<[number, number]> } as EngineProcess['lives'][number];
    this.lives.push(life);
    child.once('exit', (code, signal) => {
      life.endedAt = Date.now();
      life.exit = signal ?? `exit ${code}`;
    });
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited at start (${child.exitCode ?? child.signalCode}):\n${this.logTail()}`);
      const ok = await fetch(`http://127.0.0.1:${this.port}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
      if (ok) {
        this.ready = true;
        return Date.now() - this.startedAt;
      }
      await sleep(250);
    }
    child.kill('SIGKILL');
    throw new Error(`${this.name} did not answer /healthz within 120 s:\n${this.logTail()}`);
  }

  alive() {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  async kill9() {
    const child = this.child!;
    this.lives.at(-1)!.how = 'kill -9';
    this.ready = false;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, as an orchestrator stops a process; SIGKILL after `graceMs`. Returns how it ended. */
  async stop(graceMs = 20_000): Promise<string> {
    const child = this.child;
    if (!child || !this.alive()) return this.lives.at(-1)?.exit ?? 'not running';
    const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? `exit ${code}`)));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const how = await exited;
    clearTimeout(t);
    return how;
  }

  sampleRss() {
    if (!this.alive()) return;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (m) this.lives.at(-1)!.rss.push([Date.now(), Number(m[1])]);
    } catch {
      /* exited between the check and the read */
    }
  }

  /** Bytes in the log so far (every life of the process writes to the same file). */
  logSize() {
    try {
      return statSync(this.logPath).size;
    } catch {
      return 0;
    }
  }

  /** The log written after `offset` bytes. */
  logFrom(offset: number) {
    try {
      const fd = openSync(this.logPath, 'r');
      try {
        const size = fstatSync(fd).size;
        const buf = Buffer.alloc(Math.max(0, size - offset));
        readSync(fd, buf, 0, buf.length, offset);
        return buf.toString('utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  }

  logTail(n = 30) {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return '';
    }
  }
}

// ------------------------------------------------------------------------------------------ the run
const cleanup: Array<[string, () => unknown]> = [];
let tornDown = false;
async function teardown() {
  if (tornDown) return;
  tornDown = true;
  for (const [name, fn] of cleanup.reverse()) {
    try {
      await fn();
    } catch (err) {
      console.error(`soak: teardown step ${name} failed: ${(err as Error).message}`);
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\nsoak: ${sig}: tearing down`);
    void teardown().then(() => process.exit(130));
  });
}

async function main() {
  const { minutes, keep } = args();
  const runMs = Math.round(minutes * 60_000);
  const t0 = Date.now();
  const tmp = mkdtempSync('/tmp/matchday-soak-');
  chmodSync(tmp, 0o755);
  cleanup.push(['temporary directory', () => (keep ? console.log(`soak: kept ${tmp}`) : rmSync(tmp, { recursive: true, force: true }))]);
  console.log(`soak: ${minutes} minute(s); own Redis and PostgreSQL in ${tmp}`);

  // ---- services of our own
  const redis = new SoakRedis(join(tmp, 'redis'), await freePort());
  await redis.start();
  cleanup.push(['redis', () => redis.stop()]);
  const postgres = new SoakPostgres(join(tmp, 'pg'), await freePort());
  await postgres.init();
  cleanup.push(['postgres', () => postgres.stop()]);
  const dbUrl = postgres.url('matchday');
  await ensureDatabase(dbUrl);
  const applied = await applyMigrations(dbUrl);
  const db = createDb(dbUrl);
  const league = await seedLeague(db, { slug: 'soak.1', teams: 12, finished: 60, upcoming: 120, upcomingWithinDays: 30 });
  await db.$disconnect();
  console.log(`soak: Redis ${redis.url} (appendonly yes, appendfsync everysec), PostgreSQL 127.0.0.1:${postgres.port} (${applied.length} migrations), ${league.upcomingIds.length} upcoming matches seeded for predictions`);

  // ---- fake upstreams in this process
  const upstream = new FakeUpstream();
  const season = routeSeason(upstream);
  const fixture = (p: string) => readFileSync(join(ROOT, 'test/fixtures', p));
  upstream.route('/eng.1/news', { body: fixture('espn/news-eng.1.json') });
  upstream.route('/news/bbc.xml', { body: fixture('news/bbc-sport-football-rss.xml'), contentType: 'application/rss+xml' });
  upstream.route('/v1/forecast', { body: fixture('weather/open-meteo-forecast-hourly-melbourne-gmt.json') });
  upstream.route('/v1/archive', { body: fixture('weather/open-meteo-archive-hourly-adelaide-2025-01-10.json') });
  upstream.route('/v1/search', { body: fixture('weather/handmade-geocoding-london.json') });
  let outage = false;
  const chaosCounts = { s429: 0, s500: 0, slow: 0, outage: 0 };
  upstream.chaos = (): Fault | undefined => {
    if (outage) return chaosCounts.outage++, { kind: 'status', status: 503 };
    const r = Math.random();
    if (r < 0.04) return chaosCounts.s429++, { kind: 'status', status: 429, retryAfter: '1' };
    if (r < 0.08) return chaosCounts.s500++, { kind: 'status', status: 500 };
    if (r < 0.12) return chaosCounts.slow++, { kind: 'delay', ms: Math.round(rand(1_000, 3_000)) };
    return undefined;
  };
  const upstreamUrl = await upstream.start();
  cleanup.push(['fake upstream', () => upstream.stop()]);
  const ml = new FakeMlService({ latencyMs: 50, record: false });
  const mlUrl = await ml.start();
  cleanup.push(['fake ML service', () => ml.stop()]);

  // ---- three engine processes
  const env: Record<string, string> = {
    NODE_ENV: 'production', API_KEY, REDIS_URL: redis.url, DATABASE_URL: dbUrl, HOST: '127.0.0.1', QUEUE_PREFIX: PREFIX, LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '10000', WORKER_LOCK_DURATION_MS: '10000', WORKER_STALLED_INTERVAL_MS: '5000',
    SCHEDULES: Object.entries(CADENCE).map(([q, ms]) => `${q}=every:${ms}`).join(';'),
    ESPN_BASE_URL: upstreamUrl, ESPN_LEAGUES: 'eng.1', ESPN_RATE_LIMIT_PER_MIN: '1200',
    OPEN_METEO_FORECAST_URL: upstreamUrl, OPEN_METEO_ARCHIVE_URL: upstreamUrl, OPEN_METEO_GEOCODING_URL: upstreamUrl,
    NEWS_FEEDS: `bbc=${upstreamUrl}/news/bbc.xml`, UPSTREAM_TIMEOUT_MS: '5000', UPSTREAM_BREAKER_VOLUME: '5', UPSTREAM_BREAKER_RESET_MS: '5000',
    SCOREBOARD_HOT_EVERY_MS: '10000', SUMMARY_LIVE_EVERY_MS: '10000',
    ML_SERVICE_URL: mlUrl, PREDICT_CHUNK_SIZE: '10', RETRAIN_POLL_MS: '500', RETRAIN_COOLDOWN_MS: '0',
  };
  const logs = (n: string) => join(tmp, `${n}.log`);
  const api = new EngineProcess('api', 'api', await freePort(), env, logs('api'));
  const workers = [new EngineProcess('worker-1', 'worker', await freePort(), env, logs('worker-1')), new EngineProcess('worker-2', 'worker', await freePort(), env, logs('worker-2'))];
  const engines = [api, ...workers];
  cleanup.push(['engine processes', async () => {
    for (const e of engines) if (e.alive()) e.child!.kill('SIGKILL');
  }]);
  const startTimes = await Promise.all(engines.map((e) => e.start()));
  console.log(`soak: engines up (${engines.map((e, i) => `${e.name} pid ${e.pid} in ${s(startTimes[i]!)}`).join(', ')}); setup took ${s(Date.now() - t0)}`);

  // ---- load, probes, sampling
  const base = `http://127.0.0.1:${api.port}`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
  let keyCounter = 0;
  /** One enqueue through HTTP with an Idempotency-Key; a refused or unanswered one is retried later with the same key. */
  async function enqueue(path: string, queue: string, key: string, body: unknown): Promise<Accepted | undefined> {
    const at = Date.now();
    let status: number | 'error' = 'error';
    try {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...headers, 'idempotency-key': key }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      status = res.status;
      const answer = (await res.json().catch(() => ({}))) as { id?: string };
      samples.push({ at, ms: Date.now() - at, status });
      if (status === 202 || status === 200) {
        const known = accepted.get(key);
        if (known) {
          known.repeats++;
          if (known.id !== answer.id) violations.push(`idempotency: key ${key} answered job ${answer.id}, first ${known.id}`);
          if (status === 202) violations.push(`idempotency: key ${key} repeated but answered 202 (created again)`);
          return known;
        }
        const a: Accepted = { queue, id: answer.id!, key, body, at, repeats: 0 };
        accepted.set(key, a);
        return a;
      }
      if (status === 503) refusals.s503++;
      else {
        refusals.other.set(status, (refusals.other.get(status) ?? 0) + 1);
        if (status === 409) violations.push(`idempotency: key ${key} answered 409 conflict for the same payload`);
      }
    } catch {
      samples.push({ at, ms: Date.now() - at, status: 'error' });
      refusals.errors++;
    }
    pending.push({ path, queue, key, body });
    return undefined;
  }
  const pending: Array<{ path: string; queue: string; key: string; body: unknown }> = [];
  const scoreboard = (key = `sb-${++keyCounter}`, dates = pick(season.dates)) => enqueue('/jobs/ingest-espn-scoreboard', 'ingest-espn-scoreboard', key, { league: 'eng.1', dates });
  const predict = (key = `pb-${++keyCounter}`) => {
    const ids = [...league.upcomingIds].sort(() => Math.random() - 0.5).slice(0, 25);
    return enqueue('/predictions/batch', 'ml-predict-batch', key, { matchIds: ids });
  };
  async function jobState(queue: string, id: string): Promise<string | undefined> {
    const res = await fetch(`${base}/jobs/${queue}/${encodeURIComponent(id)}`, { headers, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    if (!res?.ok) return undefined;
    return ((await res.json()) as { state: string }).state;
  }

  let loading = true;
  const loops: Array<Promise<void>> = [];
  const every = (ms: number, fn: () => Promise<unknown>) =>
    loops.push((async () => {
      while (loading) {
        const t = Date.now();
        await fn().catch((err) => notes.push(`load: ${(err as Error).message}`));
        await sleep(Math.max(0, ms - (Date.now() - t)));
      }
    })());
  // Scoreboard ingestion enqueues, a fifth of them repeats of an earlier key (same payload).
  every(400, async () => {
    const earlier = [...accepted.values()].filter((a) => a.queue === 'ingest-espn-scoreboard' && a.key.startsWith('sb-'));
    if (earlier.length && Math.random() < 0.2) {
      const a = pick(earlier);
      await enqueue('/jobs/ingest-espn-scoreboard', a.queue, a.key, a.body);
    } else await scoreboard();
  });
  every(3_000, async () => {
    const earlier = [...accepted.values()].filter((a) => a.queue === 'ml-predict-batch');
    if (earlier.length && Math.random() < 0.2) {
      const a = pick(earlier);
      await enqueue('/predictions/batch', a.queue, a.key, a.body);
    } else await predict();
  });
  // Refused or unanswered enqueues are retried with their key, as a client should.
  every(1_000, async () => {
    for (const p of pending.splice(0, 20)) await enqueue(p.path, p.queue, p.key, p.body);
  });
  const sampler = setInterval(() => engines.forEach((e) => e.sampleRss()), 2_000);
  cleanup.push(['sampler', () => clearInterval(sampler)]);
  const watch = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  watch.on('error', () => {});
  cleanup.push(['watch connection', () => watch.disconnect()]);
  const queueOf = (n: string) => {
    const queue = new Queue(n, { connection: watch, prefix: PREFIX });
    queue.on('error', () => {}); // Redis restarts are expected here
    return queue;
  };
  const qs = new Map(SCHEDULED.map((n) => [n, queueOf(n)]));
  every(3_000, () => collectTicks(qs));
  every(2_000, async () => {
    for (const w of workers) {
      const text = await fetch(`http://127.0.0.1:${w.port}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text(), () => '');
      if (!text && w.alive() && w.ready) scrapeFailures++;
      for (const m of text.matchAll(/circuit_transitions_total\{[^}]*to="open"[^}]*\} (\d+)/g)) breakerOpenedMax = Math.max(breakerOpenedMax, Number(m[1]));
    }
  });

  /** Time from `from` until a fresh enqueue is accepted and its job completes. */
  async function recovery(from: number, limitMs = 120_000): Promise<number | undefined> {
    while (Date.now() - from < limitMs) {
      const a = await scoreboard(`probe-${++keyCounter}`);
      if (a) {
        const end = Date.now() + 30_000;
        while (Date.now() < end) {
          const state = await jobState(a.queue, a.id);
          if (state === 'completed') return Date.now() - from;
          if (state === 'failed') break;
          await sleep(200);
        }
      }
      await sleep(500);
    }
    return undefined;
  }

  // ---- the faults, at random times in their own slots of the run
  const runStart = Date.now();
  const at = (f: number) => runStart + f * runMs;
  const plan: Array<{ when: number; kind: FaultRecord['kind'] }> = [
    { when: at(rand(0.22, 0.3)), kind: 'redis crash' },
    { when: at(rand(0.45, 0.52)), kind: 'postgres crash' },
    { when: at(rand(0.66, 0.7)), kind: 'upstream outage' },
  ];
  // A worker kill -9 about every minute (at least once), never inside another fault's slot start.
  for (let t = rand(0.05, 0.12) * runMs; t < runMs - 10_000; t += rand(45_000, 75_000)) plan.push({ when: runStart + t, kind: 'worker kill -9' });
  plan.sort((a, b) => a.when - b.when);
  const chaos = (async () => {
    for (const p of plan) {
      await sleep(Math.max(0, p.when - Date.now()));
      const f: FaultRecord = { kind: p.kind, detail: '', start: Date.now() };
      faults.push(f);
      if (p.kind === 'worker kill -9') {
        // Always the second worker: the api process and the first worker live through the whole run, so
        // their RSS is judged over it (a worker killed every minute never lives long enough).
        const w = workers[1]!;
        f.detail = `${w.name} pid ${w.pid}`;
        await w.kill9();
        f.restored = Date.now();
        const [rec, took] = await Promise.all([recovery(f.restored), w.start()]);
        f.recovered = rec === undefined ? undefined : f.restored + rec;
        f.note = `restarted as pid ${w.pid} in ${s(took)}`;
      } else if (p.kind === 'redis crash') {
        await redis.crash();
        await sleep(3_000);
        await redis.start();
        f.detail = 'kill -9 of redis-server, down 3 s, append-only file reloaded';
        f.restored = Date.now();
        const rec = await recovery(f.restored);
        f.recovered = rec === undefined ? undefined : f.restored + rec;
      } else if (p.kind === 'postgres crash') {
        await postgres.crash();
        await sleep(3_000);
        await postgres.start();
        f.detail = 'pg_ctl stop -m immediate, down 3 s, crash recovery';
        f.restored = Date.now();
        const rec = await recovery(f.restored);
        f.recovered = rec === undefined ? undefined : f.restored + rec;
      } else {
        // The breakers judge the error rate over a rolling minute, so an outage after a healthy minute must
        // last until failures outweigh the successes: the upstream stays down until a worker's breaker opens
        // (seen in /metrics, matchday_circuit_transitions_total{to="open"}, or as "circuit open" in its log),
        // at least 15 s, at most 90 s.
        const before = breakerOpenedMax;
        const offsets = workers.map((w) => w.logSize());
        const logged = () => workers.reduce((n, w, i) => n + (w.logFrom(offsets[i]!).match(/"msg":"circuit open"/g)?.length ?? 0), 0);
        outage = true;
        let opened = 0;
        while (Date.now() - f.start < 90_000) {
          await sleep(1_000);
          if (!opened && (breakerOpenedMax > before || logged())) opened = Date.now();
          if (opened && Date.now() - f.start >= 15_000) break;
        }
        outage = false;
        f.restored = Date.now();
        f.detail = `every upstream request answered 503 for ${s(f.restored - f.start)}`;
        const rec = await recovery(f.restored);
        f.recovered = rec === undefined ? undefined : f.restored + rec;
        f.note = opened ? `a circuit breaker opened ${s(opened - f.start)} into the outage` : 'no circuit breaker opened within 90 s';
        if (!opened) violations.push('upstream outage: no circuit breaker opened within 90 s (the fault was not exercised)');
      }
    }
  })();

  await sleep(Math.max(0, runStart + runMs - Date.now()));
  await chaos; // a fault still in progress is restored and measured first
  const loadEnd = Date.now();
  loading = false;
  await Promise.all(loops);
  // Whatever is still refused is retried until accepted (the services are all back).
  for (let i = 0; pending.length && i < 60; i++) {
    for (const p of pending.splice(0)) await enqueue(p.path, p.queue, p.key, p.body);
    if (pending.length) await sleep(1_000);
  }
  if (pending.length) violations.push(`${pending.length} enqueue(s) still refused after every fault was restored`);
  console.log(`soak: load stopped after ${s(loadEnd - runStart)}; ${accepted.size} jobs accepted; draining`);

  // ---- drain: every accepted job reaches a final state (retries of the upstream preset take ~2 min)
  const drainStart = Date.now();
  const finalStates = new Map<string, string>();
  const acceptedQueues = new Map<string, Queue>();
  for (const a of accepted.values()) if (!acceptedQueues.has(a.queue)) acceptedQueues.set(a.queue, queueOf(a.queue));
  const drainLimitMs = 300_000;
  for (;;) {
    let open = 0;
    for (const a of accepted.values()) {
      const st = finalStates.get(a.key);
      if (st === 'completed' || st === 'failed') continue;
      const state = await acceptedQueues.get(a.queue)!.getJobState(a.id);
      finalStates.set(a.key, state);
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') open++;
    }
    if (!open || Date.now() - drainStart > drainLimitMs) break;
    await sleep(2_000);
  }
  await collectTicks(qs);
  const lastCollect = Date.now();
  const drainMs = Date.now() - drainStart;
  for (const e of engines) e.sampleRss();

  // ---- graceful stop: every process ends by itself within its shutdown deadline
  const stops = await Promise.all(engines.map(async (e) => [e.name, await e.stop()] as const));
  for (const [name, how] of stops) if (how !== 'exit 0') violations.push(`shutdown: ${name} ended with ${how} on SIGTERM`);

  // ---- invariants
  const pgc = new pg.Client({ connectionString: dbUrl });
  await pgc.connect();
  cleanup.push(['check connection', () => pgc.end()]);
  const report: string[] = [];
  const line = (x = '') => report.push(x);

  // 1. none lost: every accepted job completed, or failed with a dead letter giving the reason.
  const dl = new Map<string, string>();
  for (const r of (await pgc.query<{ queue: string; job_id: string; error: string }>('SELECT queue, job_id, error FROM dead_letters')).rows) dl.set(`${r.queue}/${r.job_id}`, r.error);
  const runs = new Map<string, { ok: number; all: number }>();
  for (const r of (await pgc.query<{ queue: string; job_id: string; ok: number; all: number }>(`SELECT queue, job_id, count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS ok, count(*)::int AS all FROM pipeline_runs GROUP BY 1, 2`)).rows) runs.set(`${r.queue}/${r.job_id}`, r);
  const byOutcome = { completed: 0, deadLettered: 0, completedPerPostgres: 0, failedNoReason: 0, lost: 0, stuck: 0 };
  const deadReasons = new Map<string, number>();
  for (const a of accepted.values()) {
    const state = finalStates.get(a.key)!;
    const k = `${a.queue}/${a.id}`;
    if (state === 'completed') byOutcome.completed++;
    else if (state === 'failed') {
      const reason = dl.get(k);
      if (reason) {
        byOutcome.deadLettered++;
        const short = reason.replace(/\d+/g, 'N').slice(0, 90);
        deadReasons.set(short, (deadReasons.get(short) ?? 0) + 1);
      } else {
        byOutcome.failedNoReason++;
        violations.push(`lost: ${k} (key ${a.key}) failed without a dead letter`);
      }
    } else if (state === 'unknown') {
      // Retention may have dropped a finished job from Redis: its pipeline run in PostgreSQL says how it ended.
      if (runs.get(k)?.ok) byOutcome.completedPerPostgres++;
      else {
        byOutcome.lost++;
        violations.push(`lost: ${k} (key ${a.key}, accepted at +${s(a.at - runStart)}) is in neither Redis nor PostgreSQL`);
      }
    } else {
      byOutcome.stuck++;
      violations.push(`stuck: ${k} (key ${a.key}) still ${state} ${s(drainMs)} after the load stopped`);
    }
  }
  const repeats = [...accepted.values()].reduce((n, a) => n + a.repeats, 0);
  line(`jobs accepted: ${accepted.size} (${[...countBy([...accepted.values()], (a) => a.queue)].map(([k, v]) => `${k} ${v}`).join(', ')}), plus ${repeats} repeated keys answered with the same job`);
  line(`  refused: ${refusals.s503} × 503, ${refusals.errors} × no answer, ${[...refusals.other].map(([k, v]) => `${v} × ${k}`).join(', ') || 'no other status'} (each retried with its key until accepted)`);
  line(`  final: ${byOutcome.completed} completed, ${byOutcome.completedPerPostgres} completed (dropped from Redis by retention, run row in PostgreSQL), ${byOutcome.deadLettered} dead-lettered with a reason, ${byOutcome.failedNoReason} failed without one, ${byOutcome.lost} lost, ${byOutcome.stuck} stuck (drain ${s(drainMs)})`);
  for (const [reason, n] of deadReasons) line(`    dead letter × ${n}: ${reason}`);

  // Jobs the engine enqueued itself (plans, flows, schedules) are not in the accepted set: their dead letters are shown.
  const acceptedIds = new Set([...accepted.values()].map((a) => `${a.queue}/${a.id}`));
  const own = (await pgc.query<{ queue: string; job_id: string; error: string }>('SELECT queue, job_id, error FROM dead_letters')).rows.filter((r) => !acceptedIds.has(`${r.queue}/${r.job_id}`));
  const ownBy = countBy(own, (r) => `${r.queue}: ${r.error.replace(/\d+/g, 'N').slice(0, 100)}`);
  line(`dead letters of jobs the engine enqueued itself (plans, flows, schedule ticks): ${own.length}`);
  for (const [k, n] of ownBy) line(`    × ${n} ${k}`);

  // 2. no duplicate effect.
  const dupMatches = (await pgc.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT provider, provider_id FROM matches GROUP BY 1, 2 HAVING count(*) > 1) d`)).rows[0]!.n;
  const ingested = new Set<string>();
  for (const a of accepted.values()) if (a.queue === 'ingest-espn-scoreboard' && finalStates.get(a.key) === 'completed') for (const id of season.eventsByDate.get((a.body as { dates: string }).dates) ?? []) ingested.add(id);
  const seasonIds = [...season.eventsByDate.values()].flat();
  const present = new Set((await pgc.query<{ provider_id: string }>(`SELECT provider_id FROM matches WHERE provider_id = ANY($1::text[])`, [seasonIds])).rows.map((r) => r.provider_id));
  const missing = [...ingested].filter((id) => !present.has(id));
  const extra = [...present].filter((id) => !ingested.has(id) && ![...accepted.values()].some((a) => a.queue === 'ingest-espn-scoreboard' && (season.eventsByDate.get((a.body as { dates: string }).dates) ?? []).includes(id)));
  line(`effects: ${present.size} season matches in PostgreSQL for the ${ingested.size} events of completed scoreboard jobs; ${dupMatches} duplicated (provider, id); ${missing.length} missing; ${extra.length} never asked for`);
  if (dupMatches) violations.push(`duplicate effect: ${dupMatches} matches stored twice`);
  if (missing.length) violations.push(`effect lost: ${missing.length} matches of completed scoreboard jobs are not in PostgreSQL (e.g. ${missing.slice(0, 3).join(', ')})`);
  if (extra.length) violations.push(`unexpected effect: ${extra.length} season matches nobody asked for`);
  let batchesChecked = 0;
  for (const a of accepted.values()) {
    if (a.queue !== 'ml-predict-batch' || finalStates.get(a.key) !== 'completed') continue;
    const job = await acceptedQueues.get(a.queue)!.getJob(a.id);
    const totals = (job?.returnvalue as { totals?: { predicted: number; failed: number; skipped: number } } | undefined)?.totals;
    if (!totals) continue;
    const rows = (await pgc.query<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT (match_id, model_version_id))::int AS d FROM predictions WHERE run_key LIKE $1`, [`${a.id}-c%`])).rows[0]!;
    const asked = (a.body as { matchIds: number[] }).matchIds.length;
    batchesChecked++;
    if (rows.n !== rows.d) violations.push(`duplicate effect: batch ${a.id} stored ${rows.n} predictions for ${rows.d} (match, version) pairs`);
    if (totals.predicted + totals.failed + totals.skipped !== asked) violations.push(`batch ${a.id}: ${asked} matches asked, result accounts for ${totals.predicted + totals.failed + totals.skipped}`);
    if (rows.d < totals.predicted) violations.push(`effect lost: batch ${a.id} reports ${totals.predicted} predictions, ${rows.d} stored`);
  }
  line(`  prediction batches checked: ${batchesChecked} (rows per batch = distinct (match, version) pairs; results account for every match asked)`);
  const dupRuns = (await pgc.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM pipeline_runs GROUP BY queue, job_id, job_created_at, run HAVING count(*) > 1) d`)).rows[0]!.n;
  if (dupRuns) violations.push(`duplicate bookkeeping: ${dupRuns} pipeline runs recorded twice`);

  // 3. schedules: each tick ran once across the processes; gaps only where a fault was (missed by policy).
  line('schedules (tick = BullMQ job repeat:<queue>:<ms>; runs counted by BullMQ starts and SUCCEEDED pipeline_runs):');
  const recording = new Set(queues.filter((x) => x.recordRuns).map((x) => x.name));
  const killWindows = faults.map((f) => [f.start - 1_000, (f.recovered ?? f.restored ?? f.start) + 1_000] as const);
  const inFault = (a: number, b: number, slack: number) => killWindows.some(([x, y]) => a < y + slack && b > x - slack);
  for (const name of SCHEDULED) {
    const seen = [...(ticks.get(name)?.values() ?? [])].sort((x, y) => x.at - y.at);
    const period = CADENCE[name]!;
    let twice = 0;
    let explainedRerun = 0;
    let skipped = 0;
    let failed = 0;
    let gaps = 0;
    let gapsInFaults = 0;
    for (const t of seen) {
      if (t.skipped) skipped++;
      if (t.state === 'failed') {
        failed++;
        if (!dl.has(`${name}/${t.id}`)) violations.push(`schedule ${name}: tick ${t.id} failed without a dead letter (${t.failedReason})`);
      }
      // Runs: a queue that records them has one SUCCEEDED row per successful run; for the others a start
      // that ended in neither completion nor failure (attemptsStarted > attemptsMade) was cut and re-run.
      // (ctx.defer also starts a job again: the queues that defer record their runs.)
      const r = runs.get(`${name}/${t.id}`);
      const ranTwice = recording.has(name) ? (r?.ok ?? 0) > 1 : t.attemptsStarted > t.attemptsMade;
      if (ranTwice) {
        // A run cut by a kill -9 (or a crash of Redis / PostgreSQL under it) is re-run: at least once.
        if (inFault(t.processedOn ?? t.at, t.finishedOn ?? t.at, 15_000)) explainedRerun++;
        else {
          twice++;
          violations.push(`schedule ${name}: tick ${t.id} ran twice with no fault during it (${r?.ok ?? 0} successful runs recorded, ${t.attemptsStarted} starts, ${t.attemptsMade} attempts)`);
        }
      }
    }
    for (let i = 1; i < seen.length; i++) {
      const gap = seen[i]!.at - seen[i - 1]!.at;
      if (gap <= period * 1.5) continue;
      gaps += Math.round(gap / period) - 1;
      if (inFault(seen[i - 1]!.at, seen[i]!.at, period)) gapsInFaults += Math.round(gap / period) - 1;
      else violations.push(`schedule ${name}: no tick between +${s(seen[i - 1]!.at - runStart)} and +${s(seen[i]!.at - runStart)} (period ${s(period)}) and no fault then`);
    }
    // Ticks keep coming while the jobs drain: due = the observed span (first tick … last collection) / period.
    const expected = seen.length ? Math.floor((lastCollect - seen[0]!.at) / period) + 1 : Math.floor((loadEnd - runStart) / period);
    line(`  ${name.padEnd(20)} every ${s(period).padStart(6)}: ${String(seen.length).padStart(4)} ticks seen (${expected} due from the first to the last look), ${skipped} skipped late by policy, ${failed} failed, ${gaps} missing (${gapsInFaults} inside fault windows), ${explainedRerun} re-run after a fault cut them, ${twice} doubled`);
    if (seen.length < expected / 2) violations.push(`schedule ${name}: only ${seen.length} ticks seen, about ${expected} were due`);
  }

  // 4. RSS flat: first vs last minute (a quarter of the run when shorter) of each process that lived long enough.
  const win = Math.min(60_000, runMs / 4);
  line(`RSS (VmRSS from /proc, median of the first vs the last ${s(win)} of each process life, the first 15 s of a life skipped):`);
  for (const e of engines) {
    for (const life of e.lives) {
      const pts = life.rss.filter(([t]) => t >= life.startedAt + 15_000);
      if (pts.length < 4) continue;
      const first = median(pts.filter(([t]) => t < pts[0]![0] + win).map(([, v]) => v));
      const last = median(pts.filter(([t]) => t > pts.at(-1)![0] - win).map(([, v]) => v));
      const lived = (pts.at(-1)![0] - pts[0]![0]);
      const judged = lived >= 3 * 60_000;
      const grew = last - first;
      const flat = grew <= Math.max(first * 0.25, 40 * 1024);
      line(`  ${e.name} pid ${life.pid} (${life.how ?? life.exit ?? 'running'}, sampled ${s(lived)}): ${mb(first)} → ${mb(last)} (${grew >= 0 ? '+' : ''}${mb(grew)}), peak ${mb(Math.max(...pts.map(([, v]) => v)))}${judged ? (flat ? ' flat' : ' GROWING') : ' (too short to judge: < 3 minutes sampled)'}`);
      if (judged && !flat) violations.push(`RSS: ${e.name} pid ${life.pid} grew from ${mb(first)} to ${mb(last)}`);
    }
  }

  // 5. enqueue latency outside the fault windows; 6. recovery after each fault.
  const outside = samples.filter((x) => !inFault(x.at, x.at + x.ms, 2_000));
  const inside = samples.filter((x) => inFault(x.at, x.at + x.ms, 2_000));
  const lat = (xs: Sample[]) => xs.filter((x) => x.status === 202 || x.status === 200).map((x) => x.ms).sort((a, b) => a - b);
  const p = (xs: number[], q: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);
  const lo = lat(outside);
  const li = lat(inside);
  const p99 = p(lo, 0.99);
  const bad = outside.filter((x) => x.status !== 202 && x.status !== 200).length;
  line(`enqueue latency (HTTP, accepted): outside fault windows n=${lo.length} p50 ${fmt(p(lo, 0.5))} ms, p99 ${fmt(p99)} ms, max ${fmt(lo.at(-1) ?? NaN)} ms; inside n=${li.length} p99 ${fmt(p(li, 0.99))} ms; refused outside fault windows: ${bad}`);
  const P99_LIMIT = 1_000;
  if (!(p99 <= P99_LIMIT)) violations.push(`latency: p99 enqueue outside fault windows ${fmt(p99)} ms > ${P99_LIMIT} ms`);
  if (bad) violations.push(`availability: ${bad} enqueues refused or unanswered outside the fault windows`);
  line('faults (recovery = from the fault being over until a new enqueue was accepted and its job completed):');
  for (const f of faults) {
    const rec = f.recovered === undefined ? 'NEVER' : s(f.recovered - f.restored!);
    line(`  +${s(f.start - runStart).padStart(7)} ${f.kind.padEnd(16)} ${f.detail}; over after ${s(f.restored! - f.start)}, recovery ${rec}${f.note ? `; ${f.note}` : ''}`);
    if (f.recovered === undefined) violations.push(`recovery: no enqueue+process worked within 120 s after the ${f.kind} (+${s(f.start - runStart)})`);
  }
  const kills = faults.filter((f) => f.kind === 'worker kill -9').length;
  if (!kills) violations.push('no worker was killed (the run was too short for the fault plan)');
  for (const k of ['redis crash', 'postgres crash', 'upstream outage'] as const) if (!faults.some((f) => f.kind === k)) violations.push(`the ${k} did not happen`);
  line(`upstream chaos: ${upstream.requests.length} requests, ${chaosCounts.s429} × 429 Retry-After 1, ${chaosCounts.s500} × 500, ${chaosCounts.slow} slow (1–3 s), ${chaosCounts.outage} × 503 during the outage; ML service ${ml.url}`);
  line(`shutdown on SIGTERM: ${stops.map(([n, h]) => `${n} ${h}`).join(', ')}`);
  if (scrapeFailures) line(`note: ${scrapeFailures} /metrics scrapes of live workers failed or timed out (5 s)`);
  for (const n of notes.slice(0, 10)) line(`note: ${n}`);

  console.log(`\n==== soak report: ${minutes} minute(s) of load, 1 api + 2 worker processes, ${faults.length} faults ====`);
  for (const l of report) console.log(l);
  if (violations.length) {
    console.log(`\nINVARIANTS BROKEN (${violations.length}):`);
    for (const v of [...new Set(violations)].slice(0, 50)) console.log(`  ✗ ${v}`);
    console.log(`(logs: ${keep ? tmp : 'rerun with --keep to keep the processes\' logs'})`);
  } else console.log('\nall invariants held ✓');
  return violations.length ? 1 : 0;
}

async function collectTicks(qs: Map<string, Queue>) {
  for (const [name, queue] of qs) {
    let seen = ticks.get(name);
    if (!seen) ticks.set(name, (seen = new Map()));
    // By the set a job is in: a completed job keeps the failedReason of an earlier failed attempt.
    for (const state of ['completed', 'failed'] as const) {
      const jobs = await queue.getJobs([state], 0, 400).catch(() => []);
      for (const j of jobs) {
        if (!j?.id || !j.repeatJobKey) continue;
        const m = /^repeat:.*:(\d+)$/.exec(j.id);
        if (!m) continue;
        seen.set(j.id, {
          id: j.id, at: Number(m[1]), state, attemptsStarted: j.attemptsStarted ?? 0, attemptsMade: j.attemptsMade ?? 0, processedOn: j.processedOn, finishedOn: j.finishedOn,
          skipped: (j.returnvalue as { skipped?: string } | null)?.skipped === 'missed-tick', failedReason: j.failedReason,
        });
      }
    }
  }
}

function countBy<T>(xs: T[], key: (x: T) => string) {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

function median(xs: number[]) {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)]! : NaN;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`soak: aborted: ${(err as Error).stack ?? err}`);
  violations.push(`aborted: ${(err as Error).message}`);
} finally {
  await teardown();
}
process.exit(code);
