// Several engine processes share one PREDICT_CONCURRENCY: the call slots live in Redis, so two engine
// processes with 2 slots each still keep at most 2 batch-predict calls in flight together.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../support/engine.js';
import { TEST_REDIS_URL } from '../support/services.js';
import { FakeMlService } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { settled } from './support.js';

interface Replica {
  child: ChildProcess;
  port: number;
}

async function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/ml/ml-replica.ts'], {
    env: { ...process.env, NODE_ENV: 'test', REDIS_URL: TEST_REDIS_URL, API_KEY: TEST_API_KEY, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.includes('matchday engine started')) return { child, port: (JSON.parse(line) as { port: number }).port };
  }
  throw new Error('replica exited before it started');
}

const fake = new FakeMlService({ latencyMs: 150 });
const shared = { PREDICT_CHUNK_SIZE: '10', PREDICT_CONCURRENCY: '2' };
const ml = useMlEngine({ fake, env: shared, seed: { slug: 'mls', upcoming: 120 } });
let replica: Replica | undefined;

// This process and a worker replica consume the chunks side by side.
beforeAll(async () => {
  replica = await startReplica({ ...shared, DATABASE_URL: ml.db.url, QUEUE_PREFIX: ml.prefix, ML_SERVICE_URL: fake.url, SCHEDULES_ENABLED: 'false', ROLE: 'worker' });
});
// Runs before the fixture's teardown (after-hooks run in reverse order), so the engine outlives the replica.
afterAll(async () => {
  if (replica) {
    replica.child.kill('SIGTERM');
    if (replica.child.exitCode === null) await once(replica.child, 'exit');
  }
});

const completedChunks = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^matchday_jobs_completed_total\{queue="ml-predict-chunk"\} (\d+)/m.exec(text)?.[1] ?? 0);
};

describe('call slots across replicas', () => {
  it('keeps PREDICT_CONCURRENCY calls in flight across two engine processes', async () => {
    const res = await ml.engine.request('POST', '/predictions/batch', { body: { matchIds: ml.league.upcomingIds } });
    expect(res.status).toBe(202);
    const job = await settled(ml.engine, 'ml-predict-batch', res.body.id, 25_000);
    expect(job.result).toMatchObject({ chunks: { total: 12, succeeded: 12 }, totals: { predicted: 120, failed: 0, skipped: 0 } });
    expect(fake.maxInFlight).toBe(2);
    const done = await Promise.all([ml.engine.url, `http://127.0.0.1:${replica!.port}`].map(completedChunks));
    expect(done[0]! + done[1]!).toBe(12);
    expect(Math.min(...done)).toBeGreaterThan(0);
  });
});
