// Entry of the backfill's CPU part in a child process (see ../threads.ts runInProcess): one request, one answer.
import { computeLeague, type ComputeRequest } from './compute.js';

process.once('message', (req: ComputeRequest) => {
  try {
    process.send!({ ok: true, value: computeLeague(req) });
  } catch (err) {
    process.send!({ ok: false, error: (err as Error).stack ?? String(err) });
  }
});
