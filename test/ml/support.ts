// A real engine for the prediction tests: like test/support/engine.ts, plus the prediction deps
// (extendDeps) and routes (extraRoutes), with test variants of the ml-* queues that retry fast.
import type { QueueDefinition } from '../../src/queue/define.js';
import type { RetryPolicy } from '../../src/queue/retry-presets.js';
import { createMlDeps, type MlDeps, type MlDepsOptions } from '../../pipelines/_ml/deps.js';
import { queues as allQueues } from '../../queues/index.js';
import { registerMlRoutes } from '../../src/app/routes/predictions.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

/** Production policies take minutes between retries; the same attempts with 100 ms backoff here. */
/** The prediction queues (their names start with ml-). */
export const mlQueues = allQueues.filter((q) => q.name.startsWith('ml-'));

export function fastMlQueues(overrides: Record<string, Partial<RetryPolicy>> = {}): QueueDefinition[] {
  return mlQueues.map((q) => ({ ...q, retry: { attempts: q.retry.attempts, delayMs: 100, maxDelayMs: 400, ...overrides[q.name] } }));
}

export type MlTestEngine = TestEngine & { deps: TestEngine['deps'] & MlDeps };

export async function startMlEngine(o: { databaseUrl: string; prefix: string; env?: Record<string, string>; ml?: MlDepsOptions; queues?: QueueDefinition[] }): Promise<MlTestEngine> {
  const queues = o.queues ?? fastMlQueues();
  const engine = await startTestEngine({
    databaseUrl: o.databaseUrl, prefix: o.prefix, queues,
    env: { SCHEDULES_ENABLED: 'false', ...o.env },
    extendDeps: (base) => ({ ...createMlDeps(base, o.ml) }),
    extraRoutes: [registerMlRoutes],
  });
  return engine as MlTestEngine;
}

/** Polls GET /jobs/:queue/:id until the job completed or failed. */
export async function settled(engine: MlTestEngine, queue: string, id: string, timeoutMs = 15_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await engine.request('GET', `/jobs/${queue}/${id}`);
    if (['completed', 'failed'].includes(body?.state)) return body;
    if (Date.now() > end) throw new Error(`timed out waiting for ${queue}/${id} (last: ${JSON.stringify(body)?.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
