// RSS of an engine process after 200,000 processed jobs versus after the first 20,000 (after a GC), in
// rounds: each round a fresh engine and queue in the same process. The target is absolute, so it
// judges the median round (support.ts).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { keyPrefix, ownDatabase } from './leftovers.js';
import { arg, benchEngine, fmt, gc, mb, median, REDIS_URL, retention, roundsArg, UsageError, verdict } from './support.js';

interface Sample { jobs: number; rss: number; heap: number }

async function round(prefix: string, databaseUrl: string, total: number, early: number): Promise<{ first: Sample; last: Sample; seconds: number }> {
  const e = await benchEngine(prefix, databaseUrl, { ROLE: 'worker' });
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue('bench-noop', { connection, prefix });
  const worker = e.workers!.workers.get('bench-noop')!;
  let done = 0;
  worker.on('completed', () => done++);
  const samples: Sample[] = [];
  const sample = async () => {
    gc();
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const m = process.memoryUsage();
    samples.push({ jobs: done, rss: m.rss, heap: m.heapUsed });
    console.log(`    after ${fmt(done)} jobs: RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)}`);
  };
  const t = performance.now();
  try {
    for (let sent = 0; sent < total; ) {
      const batch = Math.min(5_000, total - sent);
      for (let i = 0; i < batch; i += 1_000) {
        await q.addBulk(Array.from({ length: Math.min(1_000, batch - i) }, (_, k) => ({ name: 'bench-noop', data: { n: sent + i + k }, opts: { removeOnComplete: { count: retention.completed.count }, removeOnFail: { count: retention.failed.count } } })));
      }
      sent += batch;
      while (done < sent) await new Promise((r) => setTimeout(r, 20));
      if (sent === early || sent % 50_000 === 0 || sent === total) await sample();
    }
    return { first: samples.find((s) => s.jobs >= early)!, last: samples.at(-1)!, seconds: (performance.now() - t) / 1000 };
  } finally {
    await q.obliterate({ force: true });
    await q.close();
    connection.disconnect();
    await e.stop();
  }
}

export async function run(args: string[]) {
  const total = arg(args, 'jobs', 200_000);
  const early = arg(args, 'early', 20_000);
  const rounds = roundsArg(args, 2);
  if (early >= total) throw new UsageError(`--early (${early}) must be below --jobs (${total})`);
  const prefix = keyPrefix('memory');
  const databaseUrl = await ownDatabase('memory');
  console.log(`memory: ${fmt(total)} no-op jobs through the engine, fed in batches of 5,000, ${rounds} rounds`);
  const growths: number[] = [];
  for (let i = 1; i <= rounds; i++) {
    console.log(`  round ${i}:`);
    const { first, last, seconds } = await round(prefix, databaseUrl, total, early);
    growths.push(last.rss / first.rss - 1);
    console.log(`  round ${i}: ${fmt(last.jobs)} jobs in ${fmt(seconds, 1)} s; RSS after ${fmt(first.jobs)} ${mb(first.rss)}, after ${fmt(last.jobs)} ${mb(last.rss)}: growth ${fmt(growths.at(-1)! * 100, 1)} %`);
  }
  const growth = median(growths);
  console.log(`RSS growth from ${fmt(early)} to ${fmt(total)} jobs: median ${fmt(growth * 100, 1)} % over ${rounds} rounds (target: at most 10 %) ${verdict(growth <= 0.1)}`);
}
