import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Worker } from 'bullmq';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import { startEngine, type Engine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { defineQueue, type QueueDefinition } from '../../src/queue/define.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The PostgreSQL server the benchmarks use; each run makes a database of its own there (see leftovers.ts). */
export const SERVER_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/matchday';
export const API_KEY = 'bench-api-key-0123456789abcdef';

/** Completed jobs are kept like production queues keep them (bounded), so Redis work is comparable. */
export const retention = { completed: { count: 1_000, ageSeconds: 3_600 }, failed: { count: 1_000, ageSeconds: 3_600 } };

export const noop = defineQueue({
  name: 'bench-noop',
  description: 'does nothing: measures the engine itself',
  payload: z.object({ n: z.number().int() }),
  retry: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
  timeoutMs: 30_000,
  concurrency: 50,
  retention,
  handler: async () => async () => null,
});

export const devNull = () => new Writable({ write(_c, _e, cb) { cb(); } });

export async function benchEngine(prefix: string, databaseUrl: string, env: Record<string, string> = {}, queues: QueueDefinition[] = [noop]): Promise<Engine> {
  const config = loadConfig({
    REDIS_URL, DATABASE_URL: databaseUrl, API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', SCHEDULES_ENABLED: 'false', ...env,
  });
  return startEngine({ config, queues, log: createLogger(config.LOG_LEVEL, [API_KEY], devNull()) });
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

/** A command-line mistake: the runner prints the message and exits with 2. */
export class UsageError extends Error {}

/** `--name <integer>`: at least `min`; anything else is refused naming the flag. */
export function arg(args: string[], name: string, def: number, min = 1): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const raw = args[i + 1];
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`--${name}: expected an integer ≥ ${min}, got ${raw === undefined ? 'nothing' : `"${raw}"`}`);
  return n;
}

/**
 * `--rounds`: every bench measures at least twice in one invocation, because one round on a shared
 * machine can be disturbed by a neighbour and the figure must not hang on it.
 */
export const roundsArg = (args: string[], def = 3) => arg(args, 'rounds', def, 2);

// Which figure of the rounds is judged: the median, in every bench. A ratio is taken per round (the
// baseline and the engine measured back to back, under the same load) and the median of the rounds'
// ratios is judged; an absolute target (req/s, latency, memory growth, milliseconds) judges the median
// of its rounds. The median drops a round a neighbour on the shared machine disturbed, whichever side
// it hit, where the best round would judge the machine's luckiest moment and mix moments across sides.
export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

export function gc() {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Waits until `n` jobs completed on `worker`, returns jobs per second from the first to the last. */
export function measure(worker: Worker, n: number): Promise<number> {
  return new Promise((resolve) => {
    let done = 0;
    let started = 0;
    worker.on('completed', () => {
      if (done === 0) started = performance.now();
      if (++done === n) resolve((n - 1) / ((performance.now() - started) / 1000));
    });
  });
}

/** CPU time (µs) spent so far by this process, by the Redis server and by the PostgreSQL server. */
export interface CpuSample {
  node: number;
  redis: number;
  /** null where /proc cannot be read (not Linux, or PostgreSQL runs elsewhere). */
  postgres: number | null;
}

const CLOCK_TICK_US = 10_000; // USER_HZ = 100 on Linux
function postgresCpu(): number | null {
  try {
    let ticks = 0;
    let found = false;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
      found = true;
    }
    return found ? ticks * CLOCK_TICK_US : null;
  } catch {
    return null;
  }
}

/**
 * Where the CPU went: this process, the Redis server (INFO cpu) and the PostgreSQL server (its
 * processes' /proc times, ended backends excluded: they are counted while they live). On a machine
 * whose cores all three share, the sum per job bounds the throughput.
 */
export async function cpuSample(redis: { info(section: string): Promise<string> }): Promise<CpuSample> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  const u = process.cpuUsage();
  return { node: u.user + u.system, redis: (field('used_cpu_sys') + field('used_cpu_user')) * 1e6, postgres: postgresCpu() };
}

/** µs of CPU per job between two samples, by process. */
export function cpuPerJob(a: CpuSample, b: CpuSample, jobs: number) {
  const per = (x: number, y: number) => (y - x) / jobs;
  const node = per(a.node, b.node);
  const redis = per(a.redis, b.redis);
  const postgres = a.postgres === null || b.postgres === null ? null : per(a.postgres, b.postgres);
  return { node, redis, postgres, total: node + redis + (postgres ?? 0) };
}

export const cpuLine = (c: ReturnType<typeof cpuPerJob>) =>
  `CPU per job ${fmt(c.total)} µs (engine ${fmt(c.node)}, Redis ${fmt(c.redis)}, PostgreSQL ${c.postgres === null ? 'n/a' : fmt(c.postgres)})`;
