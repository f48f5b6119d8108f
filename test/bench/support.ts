import { Writable } from 'node:stream';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import { startEngine, type Engine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { defineQueue } from '../../src/queue/define.js';
import { withDatabase } from '../../src/db/admin.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? withDatabase(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/matchday', 'matchday_bench');
export const API_KEY = 'bench-api-key-0123456789abcdef';

/** Completed jobs are kept like production queues keep them (bounded), so Redis work is comparable. */
export const retention = { completed: { count: 1_000, ageSeconds: 3_600 }, failed: { count: 1_000, ageSeconds: 3_600 } };

export const noop = defineQueue({
  name: 'bench-noop',
  description: 'does nothing: measures the engine itself',
  payload: z.object({ n: z.number().int() }),
  retry: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
  timeoutMs: 30_000,
  concurrency: 50,
  retention,
  handler: async () => async () => null,
});

export async function benchEngine(prefix: string, env: Record<string, string> = {}): Promise<Engine> {
  const config = loadConfig({
    REDIS_URL, DATABASE_URL, API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', SCHEDULES_ENABLED: 'false', ...env,
  });
  const devNull = new Writable({ write(_c, _e, cb) { cb(); } });
  return startEngine({ config, queues: [noop], log: createLogger(config.LOG_LEVEL, [API_KEY], devNull) });
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

export function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : def;
}

export function gc() {
  (globalThis as { gc?: () => void }).gc?.();
}
