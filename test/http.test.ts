import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, TEST_API_KEY, waitFor, type TestEngine } from './support/engine.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;

beforeAll(async () => {
  db = await cloneTestDatabase();
  // ROLE=api: nothing consumes, so enqueued jobs stay waiting and can be inspected and removed.
  engine = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), env: { ROLE: 'api' } });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

describe('ops routes', () => {
  it('answers /healthz and /readyz without a key', async () => {
    expect((await engine.request('GET', '/healthz', { auth: false })).status).toBe(200);
    const ready = await engine.request('GET', '/readyz', { auth: false });
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ redis: { ok: true }, postgres: { ok: true }, migrations: { ok: true } });
  });

  it('serves Prometheus metrics: the engine\'s with one prefix, Node\'s under the ecosystem\'s names, no ids in labels', async () => {
    await engine.request('POST', '/jobs/test-echo', { body: { value: 'm' } });
    const res = await engine.request('GET', '/metrics', { auth: false });
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(text).toMatch(/^matchday_queue_jobs\{queue="test-echo",state="waiting"\} \d+/m);
    expect(text).toMatch(/^matchday_queue_oldest_waiting_age_seconds\{queue="test-echo"\} [\d.]+/m);
    expect(text).toMatch(/^matchday_http_request_duration_seconds_bucket\{.*route="\/jobs\/:queue".*status_code="202"/m);
    expect(text).toContain('# TYPE matchday_job_duration_seconds histogram');
    // Node's defaults as standard Node.js dashboards and alerts expect them (prom-client, no prefix).
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^${name} [\\d.e+]+$`, 'm'));
    }
    const names = [...text.matchAll(/^([a-z_]+)(?:\{| )/gm)].map((m) => m[1]!);
    expect(names.filter((n) => /^matchday_(process|nodejs)_/.test(n))).toEqual([]);
    expect(names.every((n) => n.startsWith('matchday_') || n.startsWith('process_') || n.startsWith('nodejs_'))).toBe(true);
    // ROLE=api consumes nothing: Redis lists no worker for the queue.
    expect(text).toMatch(/^matchday_queue_workers\{queue="test-echo"\} 0$/m);
    expect(text).toMatch(/^# HELP matchday_queue_jobs .*Cluster-wide/m);
    expect(text).not.toMatch(/job_?id=/i);
  });
});

describe('oldest waiting age', () => {
  const age = async (queue: string) => {
    const text = String((await engine.request('GET', '/metrics', { auth: false })).body);
    return Number(new RegExp(`^matchday_queue_oldest_waiting_age_seconds\\{queue="${queue}"\\} ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
  };

  it('counts from when a job became due, not from when a delayed job was created', async () => {
    // Nothing consumes here (ROLE=api). A job created two hours ago that was due two hours later (a
    // scheduled tick, a debounced or delayed job) has waited ~0 s once due, not two hours.
    const q = engine.producer.queue('test-timeout');
    const created = Date.now() - 2 * 3_600_000;
    await q.add('test-timeout', { ms: 1 }, { timestamp: created, delay: 2 * 3_600_000 - 1_000 });
    await q.promoteJobs();
    expect(await q.getWaitingCount()).toBe(1);
    const delayed = await age('test-timeout');
    expect(delayed).toBeGreaterThanOrEqual(0);
    expect(delayed).toBeLessThan(60);
    await q.drain();
    // A job enqueued two hours ago with no delay has waited two hours.
    await q.add('test-timeout', { ms: 1 }, { timestamp: created });
    await new Promise((r) => setTimeout(r, 1_100)); // past the gauges' 1 s cache
    expect(await age('test-timeout')).toBeGreaterThan(7_000);
    await q.drain();
  });

  it('sees a queue whose waiting jobs all carry a priority', async () => {
    // BullMQ keeps prioritised jobs out of `wait`: the next one to run (highest priority, oldest first) counts.
    const q = engine.producer.queue('test-flaky');
    await q.add('test-flaky', { failTimes: 0 }, { timestamp: Date.now() - 3_600_000, priority: 5 });
    await q.add('test-flaky', { failTimes: 0 }, { priority: 5 });
    expect(await q.getWaitingCount()).toBe(0);
    expect(await q.getPrioritizedCount()).toBe(2);
    await new Promise((r) => setTimeout(r, 1_100)); // past the gauges' 1 s cache
    const a = await age('test-flaky');
    expect(a).toBeGreaterThan(3_500);
    expect(a).toBeLessThan(3_700);
    await q.drain();
  });
});

describe('authentication', () => {
  it.each([
    ['POST', '/jobs/test-echo'], ['GET', '/status'], ['GET', '/jobs/test-echo/1'], ['DELETE', '/jobs/test-echo/1'],
    ['POST', '/jobs/test-echo/1/retry'], ['GET', '/dead-letters'], ['POST', '/dead-letters/1/redrive'], ['GET', '/admin/queues'],
  ])('%s %s needs the API key', async (method, path) => {
    expect((await engine.request(method, path, { auth: false, body: { value: 'x' } })).status).toBe(401);
    expect((await engine.request(method, path, { auth: false, body: { value: 'x' }, headers: { 'x-api-key': 'wrong-key' } })).status).toBe(401);
  });

  it('opens Bull Board with the key as basic-auth password, and asks a browser for it', async () => {
    const denied = await engine.request('GET', '/admin/queues', { auth: false });
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic/);
    const basic = `Basic ${Buffer.from(`ops:${TEST_API_KEY}`).toString('base64')}`;
    const page = await engine.request('GET', '/admin/queues', { auth: false, headers: { authorization: basic } });
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<html');
    // Nothing from another host (the UI's template links Google Fonts), and a policy that says so.
    expect(String(page.body)).not.toMatch(/\b(?:href|src)\s*=\s*["']?(?:[a-z]+:)?\/\//i);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self';/);
    const asset = String(page.body).match(/src="(static\/js\/[^"]+)"/)![1];
    const script = await engine.request('GET', `/admin/queues/${asset}`, { auth: false, headers: { authorization: basic } });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'));
    const api = await engine.request('GET', '/admin/queues/api/queues', { auth: false, headers: { authorization: basic } });
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['test-echo', 'test-sleep', 'test-tick']));
  });

  it('accepts a Bearer token', async () => {
    const res = await engine.request('GET', '/status', { auth: false, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(200);
  });
});

describe('enqueue API', () => {
  it('enqueues a valid payload and reports the job', async () => {
    const res = await engine.request('POST', '/jobs/test-echo', { body: { value: 'hello' } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), queue: 'test-echo' });
    const job = await engine.request('GET', `/jobs/test-echo/${res.body.id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: res.body.id, queue: 'test-echo', state: 'waiting', attempts: 0, maxAttempts: 3, data: { value: 'hello' }, progress: 0 });
    expect(Date.parse(job.body.timestamps.created)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('names every invalid field', async () => {
    const res = await engine.request('POST', '/jobs/test-echo', { body: { value: '', count: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['count', 'value']);
    expect(res.body.error).toMatch(/value: .*count: /s);
  });

  it('rejects malformed JSON with 400, a body over 1 MB with 413', async () => {
    expect((await engine.request('POST', '/jobs/test-echo', { rawBody: '{"value": ' })).status).toBe(400);
    const big = await engine.request('POST', '/jobs/test-echo', { body: { value: 'x'.repeat(1_100_000) } });
    expect(big.status).toBe(413);
  });

  it('answers 404 for an unknown queue or job', async () => {
    expect((await engine.request('POST', '/jobs/no-such-queue', { body: {} })).status).toBe(404);
    expect((await engine.request('GET', '/jobs/test-echo/does-not-exist')).status).toBe(404);
    expect((await engine.request('GET', '/jobs/no-such-queue/1')).status).toBe(404);
  });

  it('returns the same job for a repeated Idempotency-Key', async () => {
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const first = await engine.request('POST', '/jobs/test-echo', { body: { value: 'once' }, headers });
    const again = await engine.request('POST', '/jobs/test-echo', { body: { value: 'once' }, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const counts = await engine.producer.queue('test-echo').getJobs(['waiting']);
    expect(counts.filter((j) => j.id === first.body.id)).toHaveLength(1);
  });

  it('removes a waiting job and refuses to retry one that has not failed', async () => {
    const { body } = await engine.request('POST', '/jobs/test-echo', { body: { value: 'bye' } });
    expect((await engine.request('POST', `/jobs/test-echo/${body.id}/retry`)).status).toBe(409);
    const del = await engine.request('DELETE', `/jobs/test-echo/${body.id}`);
    expect(del).toMatchObject({ status: 200, body: { action: 'removed', state: 'waiting' } });
    expect((await engine.request('GET', `/jobs/test-echo/${body.id}`)).status).toBe(404);
  });

  it('shows queues, schedules and breakers in /status', async () => {
    const res = await engine.request('GET', '/status');
    expect(res.status).toBe(200);
    const echo = res.body.queues.find((q: { name: string }) => q.name === 'test-echo');
    expect(echo.counts).toMatchObject({ waiting: expect.any(Number), active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 });
    expect(echo.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(res.body.schedules).toEqual([expect.objectContaining({ queue: 'test-tick', everyMs: 1000, missed: 'skip', enabled: true })]);
    expect(res.body.breakers).toEqual([]);
  });
});
