// PostgreSQL down (hanging, then refusing connections): the routes that read or write it answer 503
// naming it within about 2 s, as they do when Redis is down, and recover by themselves (issue #9, item 15).
// /readyz, open to anyone, names the failing check without the internal host and port.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queues } from '../queues/index.js';
import { registerMlRoutes } from '../src/app/routes/predictions.js';
import { venueRoutes } from '../src/app/routes/venues.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { testQueues } from './support/queues.js';
import { TcpProxy } from './support/tcp-proxy.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const proxy = new TcpProxy({ host: '127.0.0.1', port: 5432 });

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = new URL(db.url);
  url.port = String(await proxy.start());
  engine = await startTestEngine({
    databaseUrl: url.toString(), prefix: uniquePrefix(), queues: [...testQueues, ...queues], env: { ROLE: 'api' }, extraRoutes: [venueRoutes, registerMlRoutes],
  });
  await engine.db.competition.create({ data: { provider: 'test', providerId: 'E1', slug: 'eng.1', name: 'League eng.1' } });
});
afterAll(async () => {
  proxy.restore();
  await engine?.stop();
  await proxy.stop();
  await db?.drop();
});

const routes: Array<[string, string, unknown?]> = [
  ['GET', '/dead-letters'],
  ['POST', '/dead-letters/1/redrive'],
  ['GET', '/models'],
  ['POST', '/models/1/promote'],
  ['POST', '/models/1/rollback'],
  ['PUT', '/venues/1/coordinates', { latitude: 51.5, longitude: -0.1 }],
  ['POST', '/predictions/batch', { league: 'eng.1', from: '2025-01-01', to: '2025-01-31' }],
];

async function expectUnavailable(mode: string) {
  for (const [method, path, body] of routes) {
    const t = Date.now();
    const res = await engine.request(method, path, body === undefined ? {} : { body });
    expect({ mode, method, path, status: res.status, error: res.body.error }).toEqual({ mode, method, path, status: 503, error: 'service unavailable: PostgreSQL does not answer' });
    expect(Date.now() - t, `${mode}: ${method} ${path}`).toBeLessThan(2_500);
    expect(res.headers.get('retry-after')).toBe('5');
  }
}

async function expectNotReady() {
  const ready = await engine.request('GET', '/readyz', { auth: false });
  expect(ready.status).toBe(503);
  expect(ready.body.ok).toBe(false);
  expect(ready.body.checks.redis).toEqual({ ok: true });
  expect(ready.body.checks.postgres).toEqual({ ok: false });
  // Names and states only: no error text, so no internal host or port.
  expect(Object.values(ready.body.checks).every((c) => Object.keys(c as object).join() === 'ok')).toBe(true);
  expect(JSON.stringify(ready.body)).not.toContain('127.0.0.1');
}

it('answers 503 naming PostgreSQL within 2 s while it hangs or refuses connections, then recovers', async () => {
  expect((await engine.request('GET', '/dead-letters')).status).toBe(200);

  proxy.hang();
  await expectUnavailable('hang');
  await expectNotReady();
  // The details (which check, what failed) go to the log, not to the open endpoint.
  expect(engine.logs.some((l) => l.includes('"msg":"not ready"') && l.includes('did not answer'))).toBe(true);

  proxy.restore();
  await proxy.refuse();
  await expectUnavailable('refused');
  await expectNotReady();

  await proxy.reopen();
  await waitFor(async () => (await engine.request('GET', '/readyz', { auth: false })).status === 200, 20_000, 'readyz to recover');
  expect((await engine.request('GET', '/dead-letters')).status).toBe(200);
  expect((await engine.request('GET', '/models')).status).toBe(200);
  expect((await engine.request('PUT', '/venues/1/coordinates', { body: { latitude: 51.5, longitude: -0.1 } })).status).toBe(404);
}, 90_000);
