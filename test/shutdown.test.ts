// Shutdown of real engine processes: the deadline holds whatever Redis does, a second signal forces the
// exit, and the exit code says which happened.
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { waitFor } from './support/engine.js';
import { startReplica, stopReplica, type Replica } from './support/processes.js';
import { TEST_REDIS_URL } from './support/services.js';
import { TcpProxy } from './support/tcp-proxy.js';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let redis: Redis;
const running: Replica[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  db = await cloneTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  await Promise.all(running.map((r) => stopReplica(r, 'SIGKILL')));
  await Promise.all(proxies.map((p) => p.stop()));
  redis?.disconnect();
  await db?.drop();
});

async function replica(env: Record<string, string>) {
  const r = await startReplica({ DATABASE_URL: db.url, ROLE: 'worker', WORKER_QUEUES: 'test-sleep', ...env });
  running.push(r);
  return r;
}

/** Adds a test-sleep job and waits until a worker has started it. */
async function startedJob(prefix: string, ms: number, effectKey: string) {
  const q = new Queue('test-sleep', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  await q.add('test-sleep', { ms, effectKey }, { attempts: 3 }).finally(() => q.close());
  await waitFor(() => redis.llen(`${prefix}:test:${effectKey}:starts`), 10_000, 'the job to start');
}

const exitWithin = (r: Replica, ms: number) =>
  Promise.race([r.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))]);

describe('shutdown', () => {
  it('exits within SHUTDOWN_TIMEOUT_MS + 5 s with code 3 when Redis hangs, a job still running', async () => {
    const prefix = uniquePrefix();
    const proxy = new TcpProxy({ host: '127.0.0.1', port: 6379 });
    proxies.push(proxy);
    const rep = await replica({ QUEUE_PREFIX: prefix, REDIS_URL: `redis://127.0.0.1:${await proxy.start()}`, SHUTDOWN_TIMEOUT_MS: '1000' });
    await startedJob(prefix, 30_000, 'hung');
    proxy.hang();
    const t = Date.now();
    rep.child.kill('SIGTERM');
    expect(await exitWithin(rep, 1_000 + 5_000 + 3_000)).toBe(3); // README: deadline passed, forced
    expect(Date.now() - t).toBeGreaterThanOrEqual(1_000);
    expect(rep.output.join('')).toMatch(/shutdown step did not finish in time|workers did not close in time/);
  });

  it('exits at once with code 4 on a second signal while jobs are still finishing', async () => {
    const prefix = uniquePrefix();
    const rep = await replica({ QUEUE_PREFIX: prefix, SHUTDOWN_TIMEOUT_MS: '20000' });
    await startedJob(prefix, 30_000, 'twice');
    rep.child.kill('SIGTERM');
    expect(await exitWithin(rep, 500)).toBe('still running'); // waiting for the job, as it should
    const t = Date.now();
    rep.child.kill('SIGTERM');
    expect(await exitWithin(rep, 2_000)).toBe(4); // README: second signal
    expect(Date.now() - t).toBeLessThan(2_000);
  });
});
