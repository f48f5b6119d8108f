// The engine on a real local Redis Cluster (six redis-server processes: three masters, three replicas)
// with the hash-tag prefix {matchday}: every Redis use of the engine through its public surface, then a
// check that every key it wrote sits in the prefix's one slot.
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncLive, liveChannel, liveKey } from '../../pipelines/_feeds/live.js';
import { publisher } from '../../pipelines/_social/realtime.js';
import { Emitter } from '@socket.io/redis-emitter';
import { Outbox, type OutboxEntry } from '../../src/queue/outbox.js';
import { TokenLeases } from '../../src/queue/lease.js';
import { SharedRateLimiter } from '../../src/upstream/rate-limit.js';
import { cloneTestDatabase, uniquePrefix } from '../support/db.js';
import { deleteKeysUnder } from '../support/redis-keys.js';
import { startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { child, parent, primitiveQueues } from '../support/primitive-queues.js';
import { echo, sleepy, testQueues, ticking } from '../support/queues.js';
import { startLocalCluster, type LocalCluster } from '../support/redis-cluster.js';
import { queues as engineQueues } from '../../queues/index.js';
import { registerMlRoutes } from '../../src/app/routes/predictions.js';

const prefix = '{matchday}';
const queues = [...testQueues, ...primitiveQueues];
let cluster: LocalCluster;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let engine: TestEngine;
let other: TestEngine;

beforeAll(async () => {
  cluster = await startLocalCluster();
  db = await cloneTestDatabase();
  const env = { REDIS_CLUSTER_NODES: cluster.seeds, SCHEDULES: `${ticking.name}=every:1000`, IDEMPOTENCY_TTL_SECONDS: '600' };
  engine = await startTestEngine({ databaseUrl: db.url, prefix, env, queues });
  // A second replica that serves HTTP only: cancels and slots cross processes (and cluster nodes).
  other = await startTestEngine({ databaseUrl: db.url, prefix, env: { ...env, ROLE: 'api' }, queues });
});
afterAll(async () => {
  await other?.stop();
  await engine?.stop();
  await db?.drop();
  await cluster?.stop();
});

async function settled(name: string, id: string, timeoutMs = 15_000) {
  const q = engine.producer.queue(name);
  return waitFor(async () => {
    const state = await q.getJobState(id);
    return state === 'completed' || state === 'failed' ? { state, job: (await q.getJob(id))! } : undefined;
  }, timeoutMs, `${name}/${id} to settle`);
}

/** A plain cluster client of the test's own (not the engine's). */
const client = () => new Cluster(cluster.seeds.split(',').map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));

describe('the engine on a Redis Cluster with prefix {matchday}', () => {
  it('is ready, and /readyz reports the write probe in the prefix slot', async () => {
    const ready = await engine.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect((await other.request('GET', '/readyz')).status).toBe(200);
    const status = await engine.request('GET', '/status');
    expect(status.status).toBe(200);
    // CLIENT LIST per node: the worker is found on the node that holds the queue's slot.
    expect(status.body.queues.find((q: { name: string }) => q.name === echo.name).workers).toBeGreaterThanOrEqual(1);
    expect((await engine.request('GET', '/metrics')).body).toMatch(/matchday_queue_jobs\{queue="test-echo",state="waiting"\}/);
    // Bull Board reads the queues through the same cluster connection.
    const board = await engine.request('GET', '/admin/queues/api/queues?page=1&jobsPerPage=10');
    expect(board.status).toBe(200);
    expect(board.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining([echo.name, parent.name]));
  });

  it('enqueues through HTTP with an Idempotency-Key once, and runs the job', async () => {
    const body = { value: 'on a cluster' };
    const first = await other.request('POST', `/jobs/${echo.name}`, { body, headers: { 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(202);
    const again = await engine.request('POST', `/jobs/${echo.name}`, { body, headers: { 'idempotency-key': 'k-1' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const conflict = await engine.request('POST', `/jobs/${echo.name}`, { body: { value: 'other' }, headers: { 'idempotency-key': 'k-1' } });
    expect(conflict.status).toBe(409);
    const { state, job } = await settled(echo.name, first.body.id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toMatchObject({ echoed: 'on a cluster' });
  });

  it('runs a schedule (job scheduler) every second', async () => {
    const ticks = await waitFor(async () => {
      const n = await engine.deps.redis.llen(`${prefix}:test:ticks`);
      return n >= 2 ? n : undefined;
    }, 10_000, 'two ticks');
    expect(ticks).toBeGreaterThanOrEqual(2);
    const status = await engine.request('GET', '/status');
    expect(status.body.schedules.find((s: { queue: string }) => s.queue === ticking.name).nextRun).not.toBeNull();
  });

  it('runs a flow whose parent and children are in different queues', async () => {
    const created = await other.request('POST', `/jobs/${parent.name}`, { body: { ns: [1, 2, 3], failing: [3] }, headers: { 'idempotency-key': 'flow-1' } });
    expect(created.status).toBe(202);
    const { state, job } = await settled(parent.name, created.body.id, 30_000);
    expect(state).toBe('completed');
    expect(job.returnvalue.sum).toBe(6);
    expect(job.returnvalue.values).toEqual([`${child.name}/${created.body.id}-n1`, `${child.name}/${created.body.id}-n2`]);
    expect(job.returnvalue.failures).toEqual([expect.stringMatching(new RegExp(`^${child.name}/${created.body.id}-n3: .*child 3 refused`))]);
  });

  it('shares a rate limit between two engines (GCRA script on the prefix slot)', async () => {
    const key = `${prefix}:engine:rate:cluster-test`;
    const a = new SharedRateLimiter(engine.deps.redis, key, { max: 10, perMs: 1_000 });
    const b = new SharedRateLimiter(other.deps.redis, key, { max: 10, perMs: 1_000 });
    const now = Date.now();
    // 10 a second: one granted now; whoever asks next, from either engine, waits 100 ms, then one of them gets it.
    expect([await a.take(now), await b.take(now), await a.take(now)]).toEqual([0, 100, 100]);
    expect([await b.take(now + 100), await a.take(now + 100)]).toEqual([0, 100]);
  });

  it('bounds calls in flight across two engines with slots', async () => {
    const live = { now: 0, max: 0 };
    const call = async () => {
      live.max = Math.max(live.max, ++live.now);
      await sleep(15);
      live.now -= 1;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? engine : other).deps.slots('cluster-test', 2).run(call)));
    expect(live.max).toBe(2);
    await sleep(50); // releases are not awaited
    expect(await engine.deps.redis.zcard(`${prefix}:slots:cluster-test`)).toBe(0);
  });

  it('holds token leases (the agents\' per-agent limit) across two engines, and a release publishes in the same script', async () => {
    const opts = { leaseMs: 60_000, staleMs: 30_000 };
    // One engine on its auto-pipelined connection, the other on its plain one.
    const a = new TokenLeases(engine.deps.redisBatched, prefix, opts);
    const b = new TokenLeases(other.deps.redis, prefix, opts);
    const sub = client();
    const got: string[] = [];
    sub.on('message', (_c, m) => got.push(m));
    const channel = `${prefix}:leases-test`;
    await sub.subscribe(channel);
    expect(await a.acquire('agent:1', 'task-1', { limit: 1, order: 1, bandStart: 0 })).toEqual({ granted: true });
    expect(await b.acquire('agent:1', 'task-2', { limit: null, order: 2, bandStart: 0 })).toEqual({ granted: false, ahead: 0 });
    expect(await b.holders('agent:1')).toBe(1);
    await a.release('agent:1', 'task-1', { channel, messages: ['task-1 done'] });
    expect(await b.acquire('agent:1', 'task-2', { limit: null, order: 2, bandStart: 0 })).toEqual({ granted: true });
    await waitFor(() => got.length > 0, 5_000, 'the release message');
    expect(got).toEqual(['task-1 done']);
    await b.release('agent:1', 'task-2');
    expect(await a.holders('agent:1')).toBe(0);
    await sub.quit();
  });

  it('cancels a running job through another replica (pub/sub across cluster nodes)', async () => {
    const created = await other.request('POST', `/jobs/${sleepy.name}`, { body: { ms: 60_000, effectKey: 'cancel-me' }, headers: { 'idempotency-key': 'cancel-1' } });
    await waitFor(async () => (await engine.producer.queue(sleepy.name).getJobState(created.body.id)) === 'active', 10_000, 'the job to start');
    const del = await other.request('DELETE', `/jobs/${sleepy.name}/${created.body.id}`);
    expect(del.status).toBe(202);
    const { state, job } = await settled(sleepy.name, created.body.id);
    expect(state).toBe('failed');
    expect(job.failedReason).toMatch(/cancelled through the API/);
    expect(await engine.deps.redis.get(`${prefix}:test:cancel-me:effects`)).toBeNull();
  });

  it('keeps live snapshots (MULTI with PUBLISH) and a subscriber on any node receives them', async () => {
    const sub = client();
    const got: string[] = [];
    sub.on('message', (_c, m) => got.push(m));
    await sub.subscribe(liveChannel(prefix));
    const snap = { matchId: 7, status: 'in', minute: 12, homeScore: 1, awayScore: 0, homePenalties: null, awayPenalties: null, updatedAt: new Date().toISOString() };
    await syncLive(engine.deps.redis, prefix, 60, [snap], new Set([7]), [], 'req-1');
    await waitFor(() => got.length > 0, 5_000, 'the live message');
    expect(JSON.parse(got[0]!)).toMatchObject({ type: 'live', matchId: 7, minute: 12 });
    expect(JSON.parse((await engine.deps.redis.get(liveKey(prefix, 7)))!)).toMatchObject({ minute: 12 });
    await sub.quit();
  });

  it('emits Socket.IO messages through the engine connection (the backend adapter listens on any node)', async () => {
    const sub = client();
    const got: Buffer[] = [];
    sub.on('pmessageBuffer', (_p, _c, m) => got.push(m));
    await sub.psubscribe('socket.io#/notifications#*');
    const nsp = new Emitter(publisher(engine.deps.redis, (err) => { throw err; }), { key: 'socket.io' }).of('/notifications');
    nsp.to('user:1').emit('notification:new', { v: 1 });
    await waitFor(() => got.length > 0, 5_000, 'the emitted message');
    expect(got[0]!.includes(Buffer.from('notification:new'))).toBe(true);
    await sub.quit();
  });

  it('keeps bookkeeping in the outbox and drains it under its lock (scripts over two keys of the slot)', async () => {
    const written: OutboxEntry[] = [];
    const outbox = new Outbox(engine.deps.redis, prefix, engine.deps.log, engine.metrics, { write: async (e) => void written.push(...e) });
    const entries = Array.from({ length: 250 }, (_, i): OutboxEntry => ({ kind: 'pipeline-run', row: { i } }));
    await outbox.push(entries, new Error('PostgreSQL down (test)'));
    await engine.deps.redis.rpush(outbox.key, 'not json');
    expect(await outbox.backlog()).toBe(251);
    expect(await outbox.drain()).toBe(251);
    expect(written.map((e) => (e.row as { i: number }).i)).toEqual(entries.map((_, i) => i));
    expect(await outbox.backlog()).toBe(0);
    expect(await engine.deps.redis.lrange(`${outbox.key}:rejected`, 0, -1)).toEqual(['not json']);
    expect(await engine.deps.redis.exists(`${outbox.key}:drain-lock`)).toBe(0);
  });

  it('test cleanup SCANs every master: keys of a prefix without a hash tag spread over slots are all deleted', async () => {
    const c = client();
    for (let i = 0; i < 60; i++) await c.set(`plain-${process.pid}:${i}`, '1');
    const masters = new Set<number>();
    for (let i = 0; i < 60; i++) masters.add(await cluster.masterOf(`plain-${process.pid}:${i}`));
    expect(masters.size).toBe(3);
    expect(await deleteKeysUnder(c, `plain-${process.pid}`)).toBe(60);
    expect(await c.exists(`plain-${process.pid}:0`)).toBe(0);
    await c.quit();
  });

  it('wrote every key of the run in the prefix slot: one master holds them all (SCAN on each master)', async () => {
    const owner = await cluster.masterOf(`${prefix}:x`);
    const perMaster = new Map<number, string[]>();
    const engineClient = engine.deps.redis as Cluster;
    for (const node of engineClient.nodes('master')) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      perMaster.set(Number(node.options.port), keys);
    }
    const all = [...perMaster.values()].flat();
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((k) => !k.startsWith(`${prefix}:`) && !k.startsWith('plain-'))).toEqual([]);
    expect([...perMaster.entries()].filter(([port, keys]) => port !== owner && keys.length).map(([port]) => port)).toEqual([]);
  });

  it('with ENQUEUE_ACK_REPLICAS=1 answers 202 once the replica has the job, 503 while the replica does not confirm', async () => {
    const acking = await startTestEngine({ databaseUrl: db.url, prefix, queues, env: { REDIS_CLUSTER_NODES: cluster.seeds, ROLE: 'api', ENQUEUE_ACK_REPLICAS: '1', ENQUEUE_ACK_TIMEOUT_MS: '300' } });
    const [replica] = await cluster.replicasOf(await cluster.masterOf(`${prefix}:x`));
    try {
      const ok = await acking.request('POST', `/jobs/${echo.name}`, { body: { value: 'replicated' }, headers: { 'idempotency-key': 'ack-1' } });
      expect(ok.status).toBe(202);
      cluster.pause(replica!);
      const refused = await acking.request('POST', `/jobs/${echo.name}`, { body: { value: 'not replicated' }, headers: { 'idempotency-key': 'ack-2' } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.body.error).toMatch(/0 of 1 Redis replicas confirmed the enqueue within 300 ms; retry with the same Idempotency-Key/);
      cluster.resume(replica!);
      // The retry finds the job the master kept and answers once the replica has it.
      const retried = await acking.request('POST', `/jobs/${echo.name}`, { body: { value: 'not replicated' }, headers: { 'idempotency-key': 'ack-2' } });
      expect(retried.status).toBe(200);
    } finally {
      cluster.resume(replica!);
      await acking.stop();
    }
  });

  it('with ENQUEUE_ACK_REPLICAS=1 a batch prediction (a flow) is acknowledged only once the replica has it', async () => {
    const acking = await startTestEngine({
      databaseUrl: db.url, prefix, queues: [...engineQueues, ...queues], extraRoutes: [registerMlRoutes],
      env: { REDIS_CLUSTER_NODES: cluster.seeds, ROLE: 'api', ENQUEUE_ACK_REPLICAS: '1', ENQUEUE_ACK_TIMEOUT_MS: '300' },
    });
    const [replica] = await cluster.replicasOf(await cluster.masterOf(`${prefix}:x`));
    try {
      expect((await acking.request('POST', `/jobs/${echo.name}`, { body: { value: 'in sync' }, headers: { 'idempotency-key': 'ack-flow-0' } })).status).toBe(202);
      cluster.pause(replica!);
      const refused = await acking.request('POST', '/predictions/batch', { body: { matchIds: [1, 2] }, headers: { 'idempotency-key': 'ack-flow-1' } });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatch(/0 of 1 Redis replicas confirmed/);
      cluster.resume(replica!);
      const retried = await acking.request('POST', '/predictions/batch', { body: { matchIds: [1, 2] }, headers: { 'idempotency-key': 'ack-flow-1' } });
      expect(retried.status).toBe(200);
    } finally {
      cluster.resume(replica!);
      await acking.stop();
    }
  });

  it('on one Redis, WAIT runs on the connection that wrote: a Redis without replicas refuses acknowledgement with 503', async () => {
    const single = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), queues, env: { ROLE: 'api', ENQUEUE_ACK_REPLICAS: '1', ENQUEUE_ACK_TIMEOUT_MS: '100' } });
    try {
      const replicas = Number(/connected_slaves:(\d+)/.exec(await single.deps.redis.info('replication'))?.[1]);
      expect(replicas).toBe(0); // the machine's test Redis runs alone
      const res = await single.request('POST', `/jobs/${echo.name}`, { body: { value: 'alone' }, headers: { 'idempotency-key': 'single-1' } });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatch(/0 of 1 Redis replicas confirmed/);
      // The job itself was kept by the master: a retry finds it (and is refused acknowledgement again).
      expect(await single.producer.queue(echo.name).getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await single.stop();
    }
  });
});
