import { afterAll, beforeAll, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { TcpProxy } from './support/tcp-proxy.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const proxy = new TcpProxy({ host: '127.0.0.1', port: 6379 });

beforeAll(async () => {
  db = await cloneTestDatabase();
  const port = await proxy.start();
  engine = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), env: { REDIS_URL: `redis://127.0.0.1:${port}`, WORKER_QUEUES: 'test-echo', SCHEDULES_ENABLED: 'false' } });
});
afterAll(async () => {
  proxy.restore();
  await engine?.stop();
  await proxy.stop();
  await db?.drop();
});

async function processed(value: string) {
  const { status, body } = await engine.request('POST', '/jobs/test-echo', { body: { value } });
  expect(status).toBe(202);
  return waitFor(async () => (await engine.request('GET', `/jobs/test-echo/${body.id}`)).body.state === 'completed', 15_000, `job ${value} to complete`);
}

it('reports a hanging Redis in /readyz and answers 503 within 2 s, then recovers by itself', async () => {
  await processed('before');

  proxy.hang();
  let t = Date.now();
  const ready = await engine.request('GET', '/readyz', { auth: false });
  expect(Date.now() - t).toBeLessThan(2_000);
  expect(ready.status).toBe(503);
  expect(ready.body.checks.redis.ok).toBe(false);
  expect(ready.body.checks.postgres.ok).toBe(true);

  t = Date.now();
  const enqueue = await engine.request('POST', '/jobs/test-echo', { body: { value: 'during' } });
  expect(Date.now() - t).toBeLessThan(2_000);
  expect(enqueue.status).toBe(503);
  t = Date.now();
  expect((await engine.request('GET', '/status')).status).toBe(503);
  expect(Date.now() - t).toBeLessThan(2_500);

  proxy.restore();
  await waitFor(async () => (await engine.request('GET', '/readyz', { auth: false })).status === 200, 20_000, 'readyz to recover');
  // The worker reconnected without help: a new job is processed.
  await processed('after');
});

it('makes a retry with the same Idempotency-Key after a 503 safe: the job exists once, whatever the first request did', async () => {
  const headers = { 'idempotency-key': 'outage-retry-1' };
  proxy.hang();
  const during = await engine.request('POST', '/jobs/test-echo', { body: { value: 'keyed' }, headers });
  expect(during.status).toBe(503);
  proxy.restore();
  await waitFor(async () => (await engine.request('GET', '/readyz', { auth: false })).status === 200, 20_000, 'readyz to recover');
  // The client retries the same request, as the README tells it to.
  const retry = await engine.request('POST', '/jobs/test-echo', { body: { value: 'keyed' }, headers });
  expect([200, 202]).toContain(retry.status);
  const job = await waitFor(async () => {
    const { body } = await engine.request('GET', `/jobs/test-echo/${retry.body.id}`);
    return body.state === 'completed' ? body : undefined;
  }, 15_000, 'the keyed job to complete');
  expect(job.data).toEqual({ value: 'keyed' });
  // Once: a third attempt finds the same job, and no other test-echo job carries this payload.
  const third = await engine.request('POST', '/jobs/test-echo', { body: { value: 'keyed' }, headers });
  expect(third).toMatchObject({ status: 200, body: { id: retry.body.id } });
  const all = await engine.producer.queue('test-echo').getJobs(['completed', 'waiting', 'active', 'delayed']);
  expect(all.filter((j) => j.data.value === 'keyed')).toHaveLength(1);
});
