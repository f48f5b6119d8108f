// POST /jobs/:queue under load from a second process (autocannon) on loopback. Baseline in the same
// run: GET /healthz on the same server (the framework and auth without Redis work).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { API_KEY, arg, benchEngine, fmt } from './support.js';

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

export async function run(args: string[]) {
  const connections = arg(args, 'connections', 10);
  const seconds = arg(args, 'seconds', 10);
  const prefix = `bench-http-${process.pid}`;
  const e = await benchEngine(prefix, { ROLE: 'api' });
  const address = e.http!.server.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  console.log(`HTTP enqueue: autocannon in a second process, ${connections} connections, ${seconds} s per run`);
  try {
    await autocannon(`${base}/healthz`, { method: 'GET', connections, seconds: 2 }); // warm-up
    const healthz = await autocannon(`${base}/healthz`, { method: 'GET', connections, seconds });
    const enqueue = await autocannon(`${base}/jobs/bench-noop`, { method: 'POST', body: '{"n":1}', connections, seconds });
    const line = (name: string, r: Result) =>
      `${name} ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
    console.log(line('GET /healthz (baseline):  ', healthz));
    console.log(line('POST /jobs/bench-noop:    ', enqueue));
    console.log(`ratio enqueue/healthz: ${fmt(enqueue.rps / healthz.rps, 3)}`);
    const met = enqueue.rps >= 2_000 && enqueue.p99 < 25 && enqueue.non2xx === 0;
    console.log(`target ≥ 2,000 req/s with p99 < 25 ms: ${met ? 'MET' : 'NOT MET'}`);
    const waiting = await e.producer.queue('bench-noop').count();
    console.log(`jobs enqueued and waiting in Redis: ${fmt(waiting)}`);
  } finally {
    await e.producer.queue('bench-noop').obliterate({ force: true });
    await e.stop();
  }
}
