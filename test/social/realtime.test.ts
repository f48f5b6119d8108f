// Real-time delivery as the backend receives it: a real Socket.IO server with @socket.io/redis-adapter on
// the same Redis, real socket.io-client clients in rooms user:{id} and match:{id}. Checks who received
// what, and that nobody received anything twice (repeats and re-run chunks emit nothing).
import { createServer, type Server as HttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socialFanoutChunk } from '../../queues/social-fanout-chunk.js';
import type { SocialDeps } from '../../pipelines/_social/deps.js';
import { predictionPublisher } from '../../pipelines/_social/predictions.js';
import { sql } from '../../src/db/sql.js';
import { waitFor } from '../support/engine.js';
import { TEST_REDIS_URL } from '../support/services.js';
import { createPost, seedFollowers, seedUsers, sendEvent, settledJob, useSocialEngine } from './support.js';

// A channel key of this file's own: other test files (and worktrees) share the Redis.
const KEY = `sio-${randomBytes(4).toString('hex')}`;
const NSP = '/notifications';
const f = useSocialEngine({ SOCKETIO_KEY: KEY, SOCKETIO_NAMESPACE: NSP, SOCIAL_FANOUT_CHUNK_SIZE: '2' });

let http: HttpServer;
let io: Server;
let pub: Redis;
let sub: Redis;
const clients: Socket[] = [];
const got = new Map<string, Array<{ event: string; data: any }>>();

async function client(name: string, auth: { userId?: number; matches?: number[] }) {
  const port = (http.address() as AddressInfo).port;
  const socket = connect(`http://127.0.0.1:${port}${NSP}`, { auth, transports: ['websocket'], reconnection: false });
  got.set(name, []);
  socket.onAny((event, data) => got.get(name)!.push({ event, data }));
  clients.push(socket);
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
}

beforeAll(async () => {
  pub = new Redis(TEST_REDIS_URL);
  sub = pub.duplicate();
  http = createServer();
  io = new Server(http, { adapter: createAdapter(pub, sub, { key: KEY }) });
  // The gateway's side of the contract: a socket joins its user's room (and the match rooms it watches).
  io.of(NSP).on('connection', (s) => {
    const { userId, matches } = s.handshake.auth as { userId?: number; matches?: number[] };
    if (userId) s.join(`user:${userId}`);
    for (const m of matches ?? []) s.join(`match:${m}`);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  for (const u of [1, 2, 3, 4, 5, 6, 7]) await client(`user${u}`, { userId: u });
  await client('watcher', { matches: [77] });
  // The adapter subscribes asynchronously after the namespace is created.
  await waitFor(async () => Number(await pub.call('PUBSUB', 'NUMPAT')) > 0, 5_000, 'adapter subscription');
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await new Promise<void>((resolve) => io.close(() => resolve()));
  await Promise.all([pub.quit(), sub.quit()]);
});

const received = (name: string, event: string) => got.get(name)!.filter((e) => e.event === event).map((e) => e.data);

describe('Socket.IO delivery', () => {
  it('emits notification:new to each notified follower once, per chunk, and never for duplicates', async () => {
    await seedUsers(f.sql, 1, 7);
    await seedFollowers(f.sql, 1, 2, 6);
    await f.sql.execute(sql`INSERT INTO muted_actors (user_id, actor_id) VALUES (3, 1)`);
    const post = await createPost(f.sql, 1, 'hello followers');
    const job = await sendEvent(f, { type: 'post-created', postId: post });
    expect(job.result).toMatchObject({ lane: 'large', chunks: 3 });
    await settledJob(f, 'social-fanout', `fanout-post-${post}`);
    // Repeats: the same event, and a chunk run again after its commit.
    await sendEvent(f, { type: 'post-created', postId: post });
    const rerun = await f.engine.producer.enqueue(socialFanoutChunk, { fanoutId: `post-${post}`, chunkNo: 0 });
    await settledJob(f, 'social-fanout-chunk', rerun.id);
    await waitFor(() => [2, 4, 5, 6].every((u) => received(`user${u}`, 'notification:new').length > 0), 5_000, 'deliveries');
    await sleep(300); // anything duplicated would have arrived by now (loopback p99 is ~10 ms)
    for (const u of [2, 4, 5, 6]) {
      const msgs = received(`user${u}`, 'notification:new');
      expect(msgs, `user ${u}`).toHaveLength(1);
      expect(msgs[0]).toMatchObject({ v: 1, type: 'post', dedupeKey: `post:${post}`, actorId: '1', actorCount: 1, subject: { type: 'post', id: String(post) } });
      expect(new Date(msgs[0].createdAt).toISOString()).toBe(msgs[0].createdAt);
    }
    for (const u of [1, 3, 7]) expect(received(`user${u}`, 'notification:new'), `user ${u}`).toEqual([]);
    expect(received('watcher', 'notification:new')).toEqual([]);
  });

  it('emits a coalesced like as the updated row (count up), and nothing for a repeated like', async () => {
    const post = await createPost(f.sql, 1, 'like me');
    for (const actorId of [2, 4, 2]) await sendEvent(f, { type: 'like', actorId, postId: post });
    await waitFor(() => received('user1', 'notification:new').length >= 2, 5_000, 'like deliveries');
    await sleep(300);
    const msgs = received('user1', 'notification:new');
    expect(msgs.map((m) => [m.type, m.actorId, m.actorCount])).toEqual([['like', '2', 1], ['like', '4', 2]]);
    expect(msgs[0].id).toBe(msgs[1].id);
  });

  it('streams prediction:update to the match room with the change since the previous prediction, and keeps the latest in Redis', async () => {
    const deps = f.engine.deps as unknown as SocialDeps;
    const publish = predictionPublisher(deps.realtime, f.sql);
    await publish('svc-1', [{ matchId: 77, home: 0.5, draw: 0.3, away: 0.2, xgHome: 1.4, xgAway: 0.9 }]);
    await publish('svc-1', [{ matchId: 77, home: 0.42, draw: 0.3, away: 0.28, xgHome: 1.2, xgAway: 1.1 }]);
    await waitFor(() => received('watcher', 'prediction:update').length >= 2, 5_000, 'prediction updates');
    const [first, second] = received('watcher', 'prediction:update');
    expect(first).toMatchObject({ v: 1, matchId: '77', modelVersion: 'svc-1', probabilities: { home: 0.5, draw: 0.3, away: 0.2 }, change: null });
    expect(second.change).toEqual({ home: -0.08, draw: 0, away: 0.08 });
    for (const u of [1, 2, 3, 4, 5, 6, 7]) expect(received(`user${u}`, 'prediction:update')).toEqual([]);
    const key = deps.realtime.latestKey(77);
    expect(JSON.parse((await f.engine.deps.redis.get(key))!).probabilities).toEqual({ home: 0.42, draw: 0.3, away: 0.28 });
    expect(await f.engine.deps.redis.ttl(key)).toBeGreaterThan(0);
  });
});
