// Worker-thread entry of the backfill's CPU part (see ../threads.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { computeLeague, type ComputeRequest } from './compute.js';

try {
  parentPort!.postMessage({ ok: true, value: computeLeague(workerData as ComputeRequest) });
} catch (err) {
  parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) });
}
