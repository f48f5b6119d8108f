import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { defineQueue, type QueueDefinition } from '../src/queue/define.js';
import { testQueues, ticking } from './support/queues.js';

/** A schedule whose declared period (a minute) is far from the one SCHEDULES gives it below. */
const minutely = defineQueue({ ...ticking, name: 'test-minutely', schedule: { everyMs: 60_000, missed: 'skip', payload: { tag: 'minutely' } } });

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const engines: TestEngine[] = [];
beforeAll(async () => {
  db = await cloneTestDatabase();
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  await db?.drop();
});
const start = async (prefix: string, env: Record<string, string>, queues?: readonly QueueDefinition[]) => {
  const e = await startTestEngine({ databaseUrl: db.url, prefix, env, queues });
  engines.push(e);
  return e;
};

describe('schedules', () => {
  it('can be disabled by configuration', async () => {
    const e = await start(uniquePrefix(), { SCHEDULES: 'test-tick=off' });
    expect(await e.producer.queue('test-tick').getJobSchedulersCount()).toBe(0);
    const { body } = await e.request('GET', '/status');
    expect(body.schedules).toEqual([expect.objectContaining({ queue: 'test-tick', enabled: false, nextRun: null })]);
  });

  it('can be overridden by configuration', async () => {
    const e = await start(uniquePrefix(), { SCHEDULES: 'test-tick=*/10 * * * * *', WORKER_QUEUES: 'test-echo' });
    const s = await e.producer.queue('test-tick').getJobScheduler('test-tick');
    expect(s?.pattern).toBe('*/10 * * * * *');
    const { body } = await e.request('GET', '/status');
    const next = Date.parse(body.schedules[0].nextRun);
    expect(next % 10_000).toBe(0);
    expect(next - Date.now()).toBeLessThanOrEqual(10_000);
  });

  it("skips a tick missed while no worker ran (policy 'skip'), then runs on time and reports the last run", async () => {
    const prefix = uniquePrefix();
    // Registers the schedule but consumes only test-echo: the first tick waits with nobody to run it.
    const first = await start(prefix, { WORKER_QUEUES: 'test-echo' });
    // No tick has run yet: the period is exported, the last-run age is not (no alert before a first tick).
    const before = String((await first.request('GET', '/metrics')).body);
    expect(before).toMatch(/^matchday_schedule_period_seconds\{queue="test-tick"\} 1$/m);
    expect(before).not.toMatch(/^matchday_schedule_last_run_age_seconds/m);
    await new Promise((r) => setTimeout(r, 2_600));
    const late = await start(prefix, { WORKER_QUEUES: 'test-tick', SCHEDULES_ENABLED: 'false' });
    const skipped = await waitFor(async () => (await late.producer.queue('test-tick').getCompleted()).find((j) => j.returnvalue?.skipped === 'missed-tick'), 10_000, 'the late tick to be skipped');
    await waitFor(() => late.deps.redis.llen(`${prefix}:test:ticks`), 5_000, 'an on-time tick to run');
    const ran = await late.deps.redis.lrange(`${prefix}:test:ticks`, 0, -1);
    expect(ran.some((r) => r.endsWith(String(skipped.id)))).toBe(false);
    expect(String((await late.request('GET', '/metrics')).body)).toMatch(/^matchday_schedule_missed_ticks_total\{queue="test-tick"\} 1$/m);
    const { body } = await late.request('GET', '/status');
    expect(body.schedules[0].lastRun).toMatchObject({ outcome: 'completed', jobId: expect.stringContaining('test-tick') });
    expect(Date.parse(body.schedules[0].nextRun)).toBeGreaterThan(Date.now() - 1_000);
    // Any process (here the one that runs no tick) reports the age of the last tick from Redis.
    const age = Number(/^matchday_schedule_last_run_age_seconds\{queue="test-tick"\} ([\d.e+-]+)$/m.exec(String((await first.request('GET', '/metrics')).body))?.[1]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(5);
  });

  it('skips a missed tick by the period a SCHEDULES override sets, not the declared one', async () => {
    const prefix = uniquePrefix();
    const queues = [...testQueues, minutely];
    const env = { SCHEDULES: 'test-minutely=every:1000;test-tick=off' };
    // Registers the overridden schedule (every second) with nobody consuming it: its first tick waits.
    await start(prefix, { ...env, WORKER_QUEUES: 'test-echo' }, queues);
    await new Promise((r) => setTimeout(r, 2_600));
    const late = await start(prefix, { ...env, WORKER_QUEUES: 'test-minutely', SCHEDULES_ENABLED: 'false' }, queues);
    // More than one (effective) period late, far less than the declared minute: skipped.
    await waitFor(async () => (await late.producer.queue('test-minutely').getCompleted()).find((j) => j.returnvalue?.skipped === 'missed-tick'), 10_000, 'the late tick to be skipped');
    expect(String((await late.request('GET', '/metrics')).body)).toMatch(/^matchday_schedule_missed_ticks_total\{queue="test-minutely"\} 1$/m);
  });
});
