// Bad input gets a 400 naming the field, never a 500 (issue #9, item 15): values beyond PostgreSQL's
// integer columns, NUL characters, bodies nested deeper than anything walks safely, long job ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../queues/index.js';
import { registerMlRoutes } from '../src/app/routes/predictions.js';
import { venueRoutes } from '../src/app/routes/venues.js';
import { MAX_JSON_DEPTH } from '../src/http/input-guard.js';
import { MAX_JOB_ID_CHARS } from '../src/http/jobs.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, type TestEngine } from './support/engine.js';
import { testQueues } from './support/queues.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;

beforeAll(async () => {
  db = await cloneTestDatabase();
  // ROLE=api: nothing consumes, so jobs stay as enqueued.
  engine = await startTestEngine({
    databaseUrl: db.url, prefix: uniquePrefix(), queues: [...testQueues, ...queues], env: { ROLE: 'api' }, extraRoutes: [venueRoutes, registerMlRoutes],
  });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

/** A 400 whose details and message name `field`. */
function expectBadField(res: { status: number; body: any }, field: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  expect(res.body.error).toContain(`${field}: `);
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('values PostgreSQL cannot hold', () => {
  it.each([
    ['GET', '/dead-letters?before=9223372036854775808', 'before'],
    ['GET', '/dead-letters?before=0', 'before'],
    ['POST', '/dead-letters/9223372036854775808/redrive', 'id'],
    ['POST', '/models/2147483648/promote', 'id'],
    ['POST', '/models/2147483648/rollback', 'id'],
  ])('%s %s → 400 naming %s', async (method, path, field) => {
    expectBadField(await engine.request(method, path), field);
  });

  it('still accepts the largest values the columns hold', async () => {
    expect((await engine.request('GET', '/dead-letters?before=9223372036854775807&queue=')).status).toBe(200);
    expect((await engine.request('POST', '/dead-letters/9223372036854775807/redrive')).status).toBe(404);
    expect((await engine.request('POST', '/models/2147483647/promote')).status).toBe(404);
  });

  it('refuses a NUL character in a query string, a selection or any payload string', async () => {
    expectBadField(await engine.request('GET', '/dead-letters?queue=%00'), 'queue');
    expectBadField(await engine.request('POST', '/predictions/batch', { body: { league: 'eng\u00001', from: '2025-01-01', to: '2025-01-02' } }), 'league');
    expectBadField(await engine.request('POST', '/predictions/batch', { body: { matchIds: [1], modelVersion: 'v\u00001' } }), 'modelVersion');
    // Any payload can end up in dead_letters.payload (jsonb), which cannot store a NUL either.
    expectBadField(await engine.request('POST', '/jobs/test-echo', { body: { value: 'a\u0000b' } }), 'value');
    expect(await engine.producer.queue('test-echo').count()).toBe(0);
  });
});

describe('deeply nested bodies', () => {
  it('answers 400 to a 10,000-deep body instead of overflowing the stack', async () => {
    const res = await engine.request('POST', '/jobs/ml-retrain', { rawBody: `{"reason":"manual","params":{"hyperparameters":{"x":${nested(10_000)}}}}` });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.error).toContain(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(res.body.details[0].field).toMatch(/^params\.hyperparameters\.x\.a\.a/);
    const top = await engine.request('POST', '/jobs/test-echo', { rawBody: `[`.repeat(10_000) + ']'.repeat(10_000) });
    expect(top.status).toBe(400);
  });

  it('accepts nesting within the bound', async () => {
    const res = await engine.request('POST', '/jobs/ml-retrain', { rawBody: `{"reason":"manual","params":{"hyperparameters":{"x":${nested(MAX_JSON_DEPTH - 4)}}}}` });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await engine.producer.queue('ml-retrain').remove(res.body.id);
  });
});

describe('job ids in the path', () => {
  it(`finds jobs with ids up to ${MAX_JOB_ID_CHARS} characters, 404 for unknown ones, 400 naming id beyond`, async () => {
    const queue = engine.producer.queue('test-echo');
    for (const length of [150, MAX_JOB_ID_CHARS]) {
      const id = 'j'.repeat(length);
      await queue.add('echo', { value: 'long id' }, { jobId: id });
      const res = await engine.request('GET', `/jobs/test-echo/${id}`);
      expect(res.status, `id of ${length} characters`).toBe(200);
      expect(res.body.id).toBe(id);
      expect((await engine.request('POST', `/jobs/test-echo/${id}/retry`)).status).toBe(409);
      expect((await engine.request('DELETE', `/jobs/test-echo/${id}`)).status).toBe(200);
    }
    expect((await engine.request('GET', `/jobs/test-echo/${'u'.repeat(200)}`)).status).toBe(404);
    for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['POST', '/retry']]) {
      expectBadField(await engine.request(method!, `/jobs/test-echo/${'x'.repeat(MAX_JOB_ID_CHARS + 1)}${suffix}`), 'id');
    }
    expectBadField(await engine.request('GET', `/jobs/test-echo/${'x'.repeat(5_000)}`), 'id');
  });
});
