// RSS of an engine process after 200,000 processed jobs versus after the first 20,000 (after a GC).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { arg, benchEngine, fmt, gc, mb, REDIS_URL, retention } from './support.js';

export async function run(args: string[]) {
  const total = arg(args, 'jobs', 200_000);
  const early = arg(args, 'early', 20_000);
  const prefix = `bench-mem-${process.pid}`;
  const e = await benchEngine(prefix, { ROLE: 'worker' });
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const q = new Queue('bench-noop', { connection, prefix });
  const worker = e.workers!.workers.get('bench-noop')!;
  let done = 0;
  worker.on('completed', () => done++);
  const samples: Array<{ jobs: number; rss: number; heap: number }> = [];
  const sample = async () => {
    gc();
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const m = process.memoryUsage();
    samples.push({ jobs: done, rss: m.rss, heap: m.heapUsed });
    console.log(`  after ${fmt(done)} jobs: RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)}`);
  };
  console.log(`memory: ${fmt(total)} no-op jobs through the engine, fed in batches of 5,000`);
  const t = performance.now();
  try {
    for (let sent = 0; sent < total; ) {
      const batch = Math.min(5_000, total - sent);
      for (let i = 0; i < batch; i += 1_000) {
        await q.addBulk(Array.from({ length: 1_000 }, (_, k) => ({ name: 'bench-noop', data: { n: sent + i + k }, opts: { removeOnComplete: { count: retention.completed.count }, removeOnFail: { count: retention.failed.count } } })));
      }
      sent += batch;
      while (done < sent) await new Promise((r) => setTimeout(r, 20));
      if (sent === early || sent % 50_000 === 0) await sample();
    }
    const first = samples.find((s) => s.jobs >= early)!;
    const last = samples.at(-1)!;
    const growth = last.rss / first.rss - 1;
    console.log(`processed ${fmt(done)} jobs in ${fmt((performance.now() - t) / 1000, 1)} s`);
    console.log(`RSS after ${fmt(first.jobs)} (baseline): ${mb(first.rss)}; after ${fmt(last.jobs)}: ${mb(last.rss)}; growth ${fmt(growth * 100, 1)} % (target: grows at most 10 %) ${growth <= 0.1 ? 'MET' : 'NOT MET'}`);
  } finally {
    await q.obliterate({ force: true });
    await q.close();
    connection.disconnect();
    await e.stop();
  }
}
