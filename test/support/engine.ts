// Starts a real engine (real Redis, real PostgreSQL, real HTTP on an ephemeral port) for a test file.
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { startEngine, type Engine, type EngineOptions } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import { configSecrets } from '../../src/secrets.js';
import { testQueues } from './queues.js';
import { TEST_REDIS_URL } from './services.js';

export const TEST_API_KEY = 'test-api-key-0123456789abcdef';

export interface TestEngine extends Engine {
  url: string;
  logs: string[];
  request(method: string, path: string, o?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; auth?: boolean }): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function startTestEngine(o: { databaseUrl: string; prefix: string; env?: Record<string, string>; queues?: readonly QueueDefinition[] } & Pick<EngineOptions, 'extendDeps' | 'extraRoutes'>): Promise<TestEngine> {
  const config = loadConfig({
    NODE_ENV: 'test', REDIS_URL: TEST_REDIS_URL, DATABASE_URL: o.databaseUrl, PORT: '0', HOST: '127.0.0.1', API_KEY: TEST_API_KEY,
    QUEUE_PREFIX: o.prefix, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '5000', ...o.env,
  });
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } });
  const log = createLogger(config.LOG_LEVEL, configSecrets(config), sink);
  const engine = await startEngine({ config, queues: o.queues ?? testQueues, log, skipMigrations: true, extendDeps: o.extendDeps, extraRoutes: o.extraRoutes });
  const address = engine.http!.server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
  return {
    ...engine,
    url,
    logs,
    async request(method, path, r = {}) {
      const headers: Record<string, string> = { ...(r.auth === false ? {} : { 'x-api-key': TEST_API_KEY }), ...r.headers };
      let body: string | undefined = r.rawBody;
      if (method === 'GET' || method === 'HEAD') body = undefined;
      else if (r.body !== undefined) {
        body = JSON.stringify(r.body);
        headers['content-type'] = 'application/json';
      } else if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON (metrics, HTML) */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
