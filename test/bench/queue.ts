// No-op jobs through the full engine wrapper (validation, job-scoped logger, metrics, abort signal)
// versus a bare BullMQ Worker on the same Redis, same concurrency, same retention, same run.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { keyPrefix, ownDatabase } from './leftovers.js';
import { arg, benchEngine, fmt, measure, median, REDIS_URL, retention, roundsArg, verdict } from './support.js';

/** Queues `n` jobs while the queue is paused; `go()` resumes it so timing starts with full queues. */
async function fill(prefix: string, n: number) {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue('bench-noop', { connection, prefix });
  await q.pause();
  for (let i = 0; i < n; i += 1_000) {
    await q.addBulk(Array.from({ length: Math.min(1_000, n - i) }, (_, k) => ({
      name: 'bench-noop', data: { n: i + k },
      opts: { removeOnComplete: { count: retention.completed.count }, removeOnFail: { count: retention.failed.count } },
    })));
  }
  return { q, go: () => q.resume(), close: async () => { await q.obliterate({ force: true }); await q.close(); connection.disconnect(); } };
}

async function bare(prefix: string, n: number, concurrency: number) {
  const { go, close } = await fill(prefix, n);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker('bench-noop', async () => null, { connection, prefix, concurrency });
  await worker.waitUntilReady();
  const rate = measure(worker, n);
  await go();
  const r = await rate;
  await worker.close();
  connection.disconnect();
  await close();
  return r;
}

async function engine(prefix: string, databaseUrl: string, n: number, concurrency: number) {
  const { go, close } = await fill(prefix, n);
  const e = await benchEngine(prefix, databaseUrl, { ROLE: 'worker', CONCURRENCY: `bench-noop=${concurrency}` });
  const rate = measure(e.workers!.workers.get('bench-noop')!, n);
  await go();
  const r = await rate;
  await e.stop();
  await close();
  return r;
}

export async function run(args: string[]) {
  const n = arg(args, 'jobs', 30_000);
  const concurrency = arg(args, 'concurrency', 50);
  const rounds = roundsArg(args);
  const [barePrefix, enginePrefix] = [keyPrefix('queue-bare'), keyPrefix('queue-engine')];
  const databaseUrl = await ownDatabase('queue');
  console.log(`queue throughput: ${fmt(n)} no-op jobs, concurrency ${concurrency}, ${rounds} alternating rounds, Redis ${REDIS_URL}`);
  const bares: number[] = [];
  const engines: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = await bare(barePrefix, n, concurrency);
    const e = await engine(enginePrefix, databaseUrl, n, concurrency);
    bares.push(b);
    engines.push(e);
    ratios.push(e / b);
    console.log(`  round ${i + 1}: bare BullMQ worker ${fmt(b)} jobs/s, engine ${fmt(e)} jobs/s: ratio ${fmt(e / b, 3)}`);
  }
  const ratio = median(ratios);
  console.log(`bare BullMQ worker (baseline): median ${fmt(median(bares))} jobs/s; engine wrapper: median ${fmt(median(engines))} jobs/s`);
  console.log(`ratio engine/bare: median of ${rounds} rounds ${fmt(ratio, 3)} (target ≥ 0.90) ${verdict(ratio >= 0.9)}`);
}
