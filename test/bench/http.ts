// POST /jobs/:queue under load from a second process (autocannon) on loopback. Baseline in the same
// run: GET /healthz on the same server (the framework and auth without Redis work). The target is
// absolute, so it judges the median round (support.ts).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { keyPrefix, ownDatabase } from './leftovers.js';
import { API_KEY, arg, benchEngine, fmt, median, roundsArg, verdict } from './support.js';

interface Result { rps: number; p50: number; p99: number; non2xx: number; errors: number }

function autocannon(url: string, o: { method: string; body?: string; connections: number; seconds: number }): Promise<Result> {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
  const args = [bin, '--json', '-c', String(o.connections), '-d', String(o.seconds), '-m', o.method, '-H', `x-api-key=${API_KEY}`];
  if (o.body) args.push('-H', 'content-type=application/json', '-b', o.body);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

const line = (r: Result) => `${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;

export async function run(args: string[]) {
  const connections = arg(args, 'connections', 10);
  const seconds = arg(args, 'seconds', 10);
  const rounds = roundsArg(args, 2);
  const e = await benchEngine(keyPrefix('http'), await ownDatabase('http'), { ROLE: 'api' });
  const address = e.http!.server.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const queue = e.producer.queue('bench-noop');
  console.log(`HTTP enqueue: autocannon in a second process, ${connections} connections, ${seconds} s per run, ${rounds} rounds`);
  try {
    await autocannon(`${base}/healthz`, { method: 'GET', connections, seconds: 2 }); // warm-up
    const healthz: Result[] = [];
    const enqueue: Result[] = [];
    for (let i = 1; i <= rounds; i++) {
      healthz.push(await autocannon(`${base}/healthz`, { method: 'GET', connections, seconds }));
      enqueue.push(await autocannon(`${base}/jobs/bench-noop`, { method: 'POST', body: '{"n":1}', connections, seconds }));
      const waiting = await queue.count();
      console.log(`  round ${i}: GET /healthz ${line(healthz.at(-1)!)}`);
      console.log(`  round ${i}: POST /jobs/bench-noop ${line(enqueue.at(-1)!)}; ${fmt(waiting)} jobs enqueued and waiting in Redis`);
      // Each round starts from an empty queue, as the first did.
      await queue.obliterate({ force: true });
    }
    const rps = median(enqueue.map((r) => r.rps));
    const p99 = median(enqueue.map((r) => r.p99));
    const non2xx = enqueue.reduce((a, r) => a + r.non2xx + r.errors, 0);
    console.log(`GET /healthz (baseline):  median ${fmt(median(healthz.map((r) => r.rps)))} req/s, p99 ${fmt(median(healthz.map((r) => r.p99)), 1)} ms`);
    console.log(`POST /jobs/bench-noop:    median ${fmt(rps)} req/s, p99 ${fmt(p99, 1)} ms; non-2xx or errors in all rounds: ${non2xx}`);
    console.log(`ratio enqueue/healthz: ${fmt(rps / median(healthz.map((r) => r.rps)), 3)}`);
    console.log(`target ≥ 2,000 req/s: ${fmt(rps)} ${verdict(rps >= 2_000)}; target p99 < 25 ms: ${fmt(p99, 1)} ms ${verdict(p99 < 25)}; target no non-2xx: ${non2xx} ${verdict(non2xx === 0)}`);
  } finally {
    await e.stop();
  }
}
