// A real Prometheus (Debian's /usr/bin/prometheus) scraping two real engine processes with the
// repository's own scrape configuration and alert rules (ops/prometheus/), through a documented transform:
// intervals of 1 s and every `for:` cut to 2 s, so alerts fire within seconds (see `forTest` below).
// A queue is stalled (nobody works it, and its waiting job was enqueued two hours ago), and the alerts are
// read back from Prometheus' HTTP API; the queue-wide series are shown not to double over two processes in
// the README's queries; then the worker process is killed and the alerts follow.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from '../support/db.js';
import { waitFor } from '../support/engine.js';
import { startReplica, stopReplica, type Replica } from '../support/processes.js';
import { TEST_REDIS_URL } from '../support/services.js';

const OPS = join(import.meta.dirname, '../../ops/prometheus');
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** Replaces `from` (which must occur) in `text`: a transform that no longer matches fails loudly. */
function must(text: string, from: RegExp, to: string): string {
  if (!from.test(text)) throw new Error(`ops/prometheus changed: ${from} no longer matches; update the test's transform`);
  return text.replace(from, to);
}

/**
 * The transform from the real files to the test's: scrape and evaluation every second, every `for:` 2 s,
 * the static target replaced by the first engine, and the second engine listed through file_sd (the
 * documented way to list replicas, from its example file). Thresholds and expressions are the real ones.
 */
function forTest(config: string, rules: string, staticTarget: string) {
  let c = must(config, /scrape_interval: 15s\n  evaluation_interval: 15s/, 'scrape_interval: 1s\n  evaluation_interval: 1s');
  c = must(c, /    scrape_interval: 15s\n    scrape_timeout: 10s/, '    scrape_interval: 1s\n    scrape_timeout: 1s');
  c = must(c, /targets: \['127\.0\.0\.1:3000'\]/, `targets: ['${staticTarget}']`);
  c = must(c, /refresh_interval: 30s/, 'refresh_interval: 1s');
  return { config: c, rules: must(rules, /^(\s*)for: \S+$/gm, '$1for: 2s') };
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let dir: string;
let prometheus: ChildProcess | undefined;
let prometheusExited: Promise<unknown> | undefined;
const promLog: string[] = [];
let promUrl: string;
const prefix = uniquePrefix();
const engines: Replica[] = [];
let worker: Replica;
let apiProcess: Replica;
const target = (r: Replica) => `127.0.0.1:${JSON.parse(r.output.join('').split('\n').find((l) => l.includes('matchday engine started'))!).port}`;

beforeAll(async () => {
  db = await cloneTestDatabase();
  const env = { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, SCHEDULES_ENABLED: 'false', LOG_LEVEL: 'info' };
  // The worker consumes test-echo only; the api process consumes nothing. Nobody works test-sleep.
  worker = await startReplica({ ...env, ROLE: 'worker', WORKER_QUEUES: 'test-echo' });
  engines.push(worker);
  apiProcess = await startReplica({ ...env, ROLE: 'api' });
  engines.push(apiProcess);

  dir = await mkdtemp(join(tmpdir(), 'matchday-prometheus-'));
  const t = forTest(await readFile(join(OPS, 'prometheus.yml'), 'utf8'), await readFile(join(OPS, 'rules/matchday.yml'), 'utf8'), target(worker));
  await mkdir(join(dir, 'rules'));
  await mkdir(join(dir, 'targets'));
  await writeFile(join(dir, 'prometheus.yml'), t.config);
  await writeFile(join(dir, 'rules/matchday.yml'), t.rules);
  // The documented example, with its api host replaced by the api process (the worker is the static target).
  let replicas = must(await readFile(join(OPS, 'targets/replicas.yml.example'), 'utf8'), /\['engine-api-1:3000'\]/, `['${target(apiProcess)}']`);
  replicas = must(replicas, /\['engine-worker-1:3000', 'engine-worker-2:3000'\]/, '[]');
  await writeFile(join(dir, 'targets/replicas.yml'), replicas);

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.stdout!.on('data', (c) => promLog.push(String(c)));
  prometheus.stderr!.on('data', (c) => promLog.push(String(c)));
  prometheusExited = new Promise((resolve) => prometheus!.on('exit', resolve));
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`).catch(() => null))?.ok, 30_000, `Prometheus to be ready:\n${promLog.join('')}`);
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    prometheus.kill('SIGTERM');
    const killer = setTimeout(() => prometheus!.kill('SIGKILL'), 5_000);
    await prometheusExited;
    clearTimeout(killer);
  }
  await Promise.all(engines.map((r) => stopReplica(r, 'SIGKILL')));
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function get<T = any>(path: string): Promise<T> {
  const res = await fetch(`${promUrl}${path}`);
  const body = (await res.json()) as { status: string; data: T };
  if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${JSON.stringify(body)}`);
  return body.data;
}
const query = async (q: string) => (await get<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(q)}`)).result;
const scalar = async (q: string) => {
  const r = await query(q);
  return r.length === 1 ? Number(r[0]!.value[1]) : NaN;
};
interface Alert { labels: Record<string, string>; state: 'pending' | 'firing'; activeAt: string; value: string }
const alerts = async () => (await get<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
const firing = async (name: string, labels: Record<string, string> = {}) =>
  (await alerts()).find((a) => a.labels.alertname === name && a.state === 'firing' && Object.entries(labels).every(([k, v]) => a.labels[k] === v));


describe('a real Prometheus with the repository\'s configuration and rules', () => {
  it('scrapes both engine processes (static target and file_sd), with Node\'s metrics under their standard names', async () => {
    await waitFor(async () => (await scalar('count(up{job="matchday"} == 1)')) === 2, 30_000, 'both engine targets to be up');
    const instances = (await query('up{job="matchday"}')).map((r) => r.metric.instance).sort();
    expect(instances).toEqual([target(worker), target(apiProcess)].sort());
    // The example's label reached the file_sd target.
    expect((await query('up{job="matchday",role="api"}')).map((r) => r.metric.instance)).toEqual([target(apiProcess)]);
    expect(await scalar('count(process_resident_memory_bytes{job="matchday"})')).toBe(2);
    expect(await scalar('count(nodejs_eventloop_lag_seconds{job="matchday"})')).toBe(2);
    expect(await scalar('count({__name__=~"matchday_(process|nodejs)_.*"})')).toBeNaN(); // no such series: an empty result
  });

  it('fires the stalled-queue and no-worker alerts for a queue nobody works, from series without per-job labels', async () => {
    // A job enqueued two hours ago (BullMQ's timestamp option) waits on test-sleep: its age is high at once.
    const q = new Queue('test-sleep', { connection: { host: new URL(TEST_REDIS_URL).hostname, port: Number(new URL(TEST_REDIS_URL).port || 6379) }, prefix });
    try {
      await q.add('test-sleep', { ms: 1 }, { timestamp: Date.now() - 2 * 3_600_000 });
    } finally {
      await q.close();
    }
    const stalled = await waitFor(() => firing('MatchdayQueueStalled', { queue: 'test-sleep' }), 30_000, `MatchdayQueueStalled to fire for test-sleep:\n${promLog.join('')}`);
    expect(Number(stalled.value)).toBeGreaterThan(7_000);
    // The alert names the queue only: no process, no job.
    expect(Object.keys(stalled.labels).sort()).toEqual(['alertname', 'queue', 'severity']);
    const noWorker = await waitFor(() => firing('MatchdayQueueNoWorker', { queue: 'test-sleep' }), 30_000, 'MatchdayQueueNoWorker to fire for test-sleep');
    expect(Object.keys(noWorker.labels).sort()).toEqual(['alertname', 'queue', 'severity']);
    const all = await alerts();
    // test-echo has its worker and no old job: neither alert for it.
    expect(all.filter((a) => a.labels.queue === 'test-echo')).toEqual([]);
    expect(all.filter((a) => a.labels.alertname === 'MatchdayProcessDown')).toEqual([]);
    // No series Prometheus holds carries a job id.
    const labelNames = await get<string[]>('/api/v1/labels');
    expect(labelNames.filter((l) => /job_?id|jobid/i.test(l))).toEqual([]);
  });

  it("counts the waiting job once in the README's queries, though both processes export it", async () => {
    const sel = '{queue="test-sleep",state="waiting"}';
    await waitFor(async () => (await scalar(`count(matchday_queue_jobs${sel})`)) === 2, 10_000, 'both processes to export the queue gauge');
    // Why the README aggregates with max: a plain sum counts the one job once per process.
    expect(await scalar(`sum(matchday_queue_jobs${sel})`)).toBe(2);
    expect(await scalar(`max by (queue, state) (matchday_queue_jobs${sel})`)).toBe(1);
    await waitFor(async () => (await scalar(`sum(queue_state:matchday_queue_jobs:max${sel})`)) === 1, 10_000, 'the recording rule');
    expect(await scalar('sum(queue:matchday_queue_oldest_waiting_age_seconds:max{queue="test-sleep"})')).toBeGreaterThan(7_000);
  });

  it('keeps the queue alerts firing when a process dies, and reports the worker set left without a live process', async () => {
    const before = (await firing('MatchdayQueueStalled', { queue: 'test-sleep' }))!;
    // The only process working test-echo dies without a word.
    await stopReplica(worker, 'SIGKILL');
    const down = await waitFor(() => firing('MatchdayProcessDown', { instance: target(worker) }), 30_000, 'MatchdayProcessDown for the killed worker');
    expect(down.labels.job).toBe('matchday');
    // Redis dropped the dead process's connections: the api process reports test-echo without a worker.
    await waitFor(() => firing('MatchdayQueueNoWorker', { queue: 'test-echo' }), 30_000, 'MatchdayQueueNoWorker for test-echo');
    // The stalled-queue alert never stopped: the same alert, active since before the kill (a gap would reset it).
    const after = await firing('MatchdayQueueStalled', { queue: 'test-sleep' });
    expect(after?.activeAt).toBe(before.activeAt);
    expect(await scalar('sum(queue_state:matchday_queue_jobs:max{queue="test-sleep",state="waiting"})')).toBe(1);
    expect(await scalar('count(matchday_queue_jobs{queue="test-sleep",state="waiting"})')).toBe(1);
  });
});
