// A real engine for the statistics tests: the prediction and statistics deps and routes, the ml-* and
// stats queues with fast retries, its own database and queue prefix per test file.
import { afterAll, beforeAll } from 'vitest';
import type { QueueDefinition } from '../../src/queue/define.js';
import { createPipelineDeps } from '../../src/app/deps.js';
import { queues as allQueues } from '../../queues/index.js';
import { matchEvents } from '../../queues/match-events.js';
import { mlRetrain } from '../../queues/ml-retrain.js';
import { registerMlRoutes } from '../../src/app/routes/predictions.js';
import { statsRoutes } from '../../src/app/routes/stats.js';
import { driftRoutes } from '../../src/app/routes/drift.js';
import { abTestRoutes } from '../../src/app/routes/ab-tests.js';
import { cloneTestDatabase, uniquePrefix, type TestDatabase } from '../support/db.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { settled } from '../ml/support.js';

export const FIXTURE_DATA = new URL('../fixtures/football', import.meta.url).pathname;

// Every queue is declared (other features' match-event consumers enqueue theirs); only these are consumed.
const consumed = (name: string) => (name.startsWith('ml-') && name !== mlRetrain.name) || name.startsWith('stats-') || name === matchEvents.name;
const statsQueues = (): QueueDefinition[] => allQueues.map((q) => ({ ...q, retry: { attempts: q.retry.attempts, delayMs: 100, maxDelayMs: 400 } }));

export interface StatsEngine { engine: TestEngine; db: TestDatabase }

export function useStatsEngine(env: () => Record<string, string> = () => ({})): StatsEngine {
  // ml-retrain is declared (a drift alert enqueues it) but not consumed: there is no ML service here.
  const ctx = {} as StatsEngine;
  beforeAll(async () => {
    ctx.db = await cloneTestDatabase();
    ctx.engine = await startTestEngine({
      databaseUrl: ctx.db.url, prefix: uniquePrefix(), queues: statsQueues(), env: { SCHEDULES_ENABLED: 'false', WORKER_QUEUES: allQueues.map((q) => q.name).filter(consumed).join(','), ...env() },
      extendDeps: createPipelineDeps, extraRoutes: [registerMlRoutes, statsRoutes, driftRoutes, abTestRoutes],
    });
  });
  afterAll(async () => {
    await ctx.engine?.stop();
    await ctx.db?.drop();
  });
  return ctx;
}

/** Enqueues a job through the API and waits until it completed or failed. */
export async function runJob(engine: TestEngine, queue: string, payload: unknown, timeoutMs = 60_000): Promise<any> {
  const res = await engine.request('POST', `/jobs/${queue}`, { body: payload });
  if (res.status !== 202 && res.status !== 200) throw new Error(`enqueue ${queue}: ${res.status} ${JSON.stringify(res.body)}`);
  return settled(engine as never, queue, res.body.id, timeoutMs);
}
