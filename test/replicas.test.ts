// Several real engine processes on one Redis and one PostgreSQL.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { waitFor } from './support/engine.js';
import { startReplica, stopReplica, type Replica } from './support/processes.js';
import { TEST_REDIS_URL } from './support/services.js';
import { Queue } from 'bullmq';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let redis: Redis;
const running: Replica[] = [];

beforeAll(async () => {
  db = await cloneTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(async () => {
  await Promise.all(running.map((r) => stopReplica(r, 'SIGKILL')));
  redis?.disconnect();
  await db?.drop();
});

async function replicas(n: number, env: Record<string, string>) {
  // Each replica is tracked as soon as it is up, so one failing to start cannot leak the others.
  return Promise.all(Array.from({ length: n }, async () => {
    const r = await startReplica({ DATABASE_URL: db.url, ...env });
    running.push(r);
    return r;
  }));
}

function withQueue<T>(prefix: string, name: string, fn: (q: Queue) => Promise<T>): Promise<T> {
  const q = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  return fn(q).finally(() => q.close());
}

describe('schedules across replicas', () => {
  it('three replicas starting at once produce exactly one job per tick', async () => {
    const prefix = uniquePrefix();
    const reps = await replicas(3, { QUEUE_PREFIX: prefix, WORKER_QUEUES: 'test-tick', ROLE: 'worker' });
    await new Promise((r) => setTimeout(r, 6_000));
    await Promise.all(reps.map((r) => stopReplica(r)));
    const ticks = await redis.lrange(`${prefix}:test:ticks`, 0, -1);
    const jobIds = ticks.map((t) => t.split(':').slice(1).join(':'));
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(new Set(jobIds).size).toBe(jobIds.length); // no tick ran twice
    // BullMQ names each tick's job after its slot: consecutive slots are one period apart, none missing.
    const slots = jobIds.map((id) => Number(id.split(':').at(-1))).sort((a, b) => a - b);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(1_000);
    expect(await withQueue(prefix, 'test-tick', (q) => q.getJobSchedulersCount())).toBe(1);
  });
});

describe('crash and shutdown', () => {
  it('recovers a job whose worker was killed with kill -9, with its effect applied once', async () => {
    const prefix = uniquePrefix();
    const env = { QUEUE_PREFIX: prefix, WORKER_QUEUES: 'test-sleep', ROLE: 'worker', WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' };
    const reps = await replicas(2, env);
    const job = await withQueue(prefix, 'test-sleep', (q) => q.add('test-sleep', { ms: 3_000, effectKey: 'crash' }, { attempts: 3 }));
    const startsKey = `${prefix}:test:crash:starts`;
    const first = await waitFor(async () => (await redis.lrange(startsKey, 0, -1))[0], 10_000, 'job to start');
    const holder = reps.find((r) => first.startsWith(`${r.pid}:`))!;
    expect(holder).toBeDefined();
    holder.child.kill('SIGKILL');
    await waitFor(async () => (await redis.get(`${prefix}:test:crash:effects`)) === '1', 30_000, 'the other replica to finish the job');
    const starts = await redis.lrange(startsKey, 0, -1);
    expect(starts).toHaveLength(2);
    expect(starts[1]!.split(':')[0]).not.toBe(String(holder.pid));
    const state = await withQueue(prefix, 'test-sleep', async (q) => (await q.getJob(job.id!))!.getState());
    expect(state).toBe('completed');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await redis.get(`${prefix}:test:crash:effects`)).toBe('1');
  });

  it('on SIGTERM lets the in-flight job finish, then exits 0', async () => {
    const prefix = uniquePrefix();
    const [rep] = await replicas(1, { QUEUE_PREFIX: prefix, WORKER_QUEUES: 'test-sleep', ROLE: 'worker' });
    const job = await withQueue(prefix, 'test-sleep', (q) => q.add('test-sleep', { ms: 1_500, effectKey: 'graceful' }));
    await waitFor(() => redis.llen(`${prefix}:test:graceful:starts`), 10_000, 'job to start');
    expect(await stopReplica(rep!)).toBe(0);
    expect(await redis.get(`${prefix}:test:graceful:effects`)).toBe('1');
    expect(await withQueue(prefix, 'test-sleep', async (q) => (await q.getJob(job.id!))!.getState())).toBe('completed');
  });

  it('puts a job still running at the shutdown deadline back without counting an attempt; another worker takes it at once', async () => {
    const prefix = uniquePrefix();
    const reps = await replicas(2, { QUEUE_PREFIX: prefix, WORKER_QUEUES: 'test-sleep', ROLE: 'worker', SHUTDOWN_TIMEOUT_MS: '500' });
    const job = await withQueue(prefix, 'test-sleep', (q) => q.add('test-sleep', { ms: 5_000, effectKey: 'deadline' }, { attempts: 3 }));
    const startsKey = `${prefix}:test:deadline:starts`;
    const first = await waitFor(async () => (await redis.lrange(startsKey, 0, -1))[0], 10_000, 'job to start');
    const holder = reps.find((r) => first.startsWith(`${r.pid}:`))!;
    const other = reps.find((r) => r !== holder)!;
    const t = Date.now();
    expect(await stopReplica(holder)).toBe(0);
    expect(Date.now() - t).toBeLessThan(5_000);
    const second = await waitFor(async () => (await redis.lrange(startsKey, 0, -1))[1], 3_000, 'another worker to take the job');
    const [pid, attempt] = second.split(':');
    expect(pid).toBe(String(other.pid));
    expect(attempt).toBe('1'); // a retry would have been attempt 2, after a backoff
    expect(holder.output.join('')).toMatch(/put back without counting an attempt/);
    await waitFor(async () => (await withQueue(prefix, 'test-sleep', async (q) => (await q.getJob(job.id!))!.getState())) === 'completed', 10_000, 'the job to complete');
    // One attempt counted in all: the one that completed.
    expect(await withQueue(prefix, 'test-sleep', async (q) => (await q.getJob(job.id!))!.attemptsMade)).toBe(1);
    expect(await redis.get(`${prefix}:test:deadline:effects`)).toBe('1');
  });
});
