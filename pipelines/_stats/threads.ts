// Runs this library's heavy maths in worker threads, so the event loop of the worker process (job locks,
// HTTP, other jobs) stays responsive. Under tsx (development, tests) the worker file is TypeScript and the
// thread loads tsx itself; compiled, it is the .js next to this file.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export function runInThread<T>(file: string, input: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(`${file}.${ts ? 'ts' : 'js'}`, import.meta.url);
  return new Promise<T>((resolve, reject) => {
    // A TypeScript entry registers tsx's loader inside the thread first (Node 20 does not apply an
    // `--import` of execArgv to worker threads).
    const worker = ts
      ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData: input, transferList: transfer })
      : new Worker(url, { workerData: input, transferList: transfer });
    let settled = false;
    worker.once('message', (msg: { ok: true; value: T } | { ok: false; error: string }) => {
      settled = true;
      if (msg.ok) resolve(msg.value); else reject(new Error(msg.error));
      void worker.terminate();
    });
    worker.once('error', (err) => { if (!settled) { settled = true; reject(err); } });
    worker.once('exit', (code) => { if (!settled) { settled = true; reject(new Error(`statistics thread ${file} exited with code ${code}`)); } });
  });
}

/** Bounded parallelism over a list (two cores here: more threads only contend). */
export async function mapLimit<I, O>(items: readonly I[], limit: number, fn: (item: I) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i]!); }
  }));
  return out;
}

/**
 * The same in a child process (as `npm run eval` runs its leagues): for long CPU-bound work such as the
 * backfill's walk-forward, where a process of its own measured faster than a thread here (no tsx
 * start-up inside a thread, no heap shared with the engine's own). The child entry answers one message.
 */
export function runInProcess<T>(file: string, input: unknown): Promise<T> {
  const ts = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(`${file}.${ts ? 'ts' : 'js'}`, import.meta.url));
  return new Promise<T>((resolve, reject) => {
    const child = fork(path, [], { execArgv: ts ? ['--import', 'tsx'] : [], env: { ...process.env, MATCHDAY_STATS_CHILD: '1' }, serialization: 'advanced' });
    let settled = false;
    child.once('message', (msg: { ok: true; value: T } | { ok: false; error: string }) => {
      settled = true;
      if (msg.ok) resolve(msg.value); else reject(new Error(msg.error));
      child.disconnect();
    });
    child.once('error', (err) => { if (!settled) { settled = true; reject(err); } });
    child.once('exit', (code) => { if (!settled) { settled = true; reject(new Error(`statistics process ${file} exited with code ${code}`)); } });
    child.send(input as never);
  });
}
