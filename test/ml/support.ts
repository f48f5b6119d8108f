// A real engine for the prediction tests: like test/support/engine.ts, plus the prediction deps
// (extendDeps) and routes (extraRoutes), with test variants of the ml-* queues that retry fast.
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { startEngine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import type { RetryPolicy } from '../../src/queue/retry-presets.js';
import { createMlDeps, mlQueues, type MlDeps, type MlDepsOptions } from '../../pipelines/ml/deps.js';
import { registerMlRoutes } from '../../pipelines/ml/routes.js';
import { TEST_API_KEY, type TestEngine } from '../support/engine.js';
import { TEST_REDIS_URL } from '../support/services.js';

/** Production policies take minutes between retries; the same attempts with 100 ms backoff here. */
export function fastMlQueues(overrides: Record<string, Partial<RetryPolicy>> = {}): QueueDefinition[] {
  return mlQueues.map((q) => ({ ...q, retry: { attempts: q.retry.attempts, delayMs: 100, maxDelayMs: 400, ...overrides[q.name] } }));
}

export type MlTestEngine = TestEngine & { deps: TestEngine['deps'] & MlDeps };

export async function startMlEngine(o: { databaseUrl: string; prefix: string; env?: Record<string, string>; ml?: MlDepsOptions; queues?: QueueDefinition[] }): Promise<MlTestEngine> {
  const config = loadConfig({
    NODE_ENV: 'test', REDIS_URL: TEST_REDIS_URL, DATABASE_URL: o.databaseUrl, PORT: '0', HOST: '127.0.0.1', API_KEY: TEST_API_KEY,
    QUEUE_PREFIX: o.prefix, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '5000', SCHEDULES_ENABLED: 'false', ...o.env,
  });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
  const log = createLogger(config.LOG_LEVEL, [config.API_KEY], sink);
  const queues = o.queues ?? fastMlQueues();
  const engine = await startEngine({
    config, queues, log, skipMigrations: true,
    extendDeps: (base) => ({ ...createMlDeps(base, { queues, ...o.ml }) }),
    extraRoutes: [registerMlRoutes],
  });
  const address = engine.http!.server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return {
    ...engine,
    deps: engine.deps as MlTestEngine['deps'],
    url,
    logs,
    async request(method, path, r = {}) {
      const headers: Record<string, string> = { ...(r.auth === false ? {} : { 'x-api-key': TEST_API_KEY }), ...r.headers };
      let body: string | undefined = r.rawBody;
      if (r.body !== undefined && method !== 'GET') {
        body = JSON.stringify(r.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
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
