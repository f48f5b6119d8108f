// Runs this library's heavy maths in worker threads, so the event loop of the worker process (job locks,
// HTTP, other jobs) stays responsive. Under tsx (development, tests) the worker file is TypeScript and the
// thread loads tsx itself; compiled, it is the .js next to this file.
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
