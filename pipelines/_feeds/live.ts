// The latest snapshot of each live match, kept in Redis with a TTL and published on a channel for the
// backend's WebSocket gateway (`<prefix>:live:matches`; key `<prefix>:live:match:<id>`).
import type { RedisClient } from '../../src/redis.js';

export interface LiveSnapshot {
  matchId: number;
  status: string;
  minute: number | null;
  homeScore: number | null;
  awayScore: number | null;
  homePenalties: number | null;
  awayPenalties: number | null;
  updatedAt: string;
}

export const liveKey = (prefix: string, matchId: number) => `${prefix}:live:match:${matchId}`;
export const liveChannel = (prefix: string) => `${prefix}:live:matches`;
/**
 * The matches one request's last loaded payload showed live. An unchanged payload skips the load, so this
 * is how its fetch still knows whose snapshots to keep alive (a long stoppage outlasts the TTL).
 */
export const liveIndexKey = (prefix: string, requestKey: string) => `${prefix}:live:request:${requestKey}`;

/**
 * Refreshes every live snapshot's TTL; publishes only those that changed. Finished matches are removed.
 * With `requestKey`, records which matches this request's payload shows live (for `refreshLive`).
 */
export async function syncLive(redis: RedisClient, prefix: string, ttlSeconds: number, live: LiveSnapshot[], changedIds: Set<number>, endedIds: number[], requestKey?: string): Promise<number> {
  if (!live.length && !endedIds.length && requestKey === undefined) return 0;
  const m = redis.multi();
  if (requestKey !== undefined) {
    const index = liveIndexKey(prefix, requestKey);
    m.del(index);
    if (live.length) m.sadd(index, ...live.map((s) => s.matchId)).expire(index, ttlSeconds);
  }
  let published = 0;
  for (const s of live) {
    m.set(liveKey(prefix, s.matchId), JSON.stringify(s), 'EX', ttlSeconds);
    if (changedIds.has(s.matchId)) {
      m.publish(liveChannel(prefix), JSON.stringify({ type: 'live', ...s }));
      published++;
    }
  }
  for (const id of endedIds) {
    m.del(liveKey(prefix, id));
    m.publish(liveChannel(prefix), JSON.stringify({ type: 'ended', matchId: id }));
    published++;
  }
  await m.exec();
  return published;
}

/**
 * An unchanged fetch of `requestKey` still sees its live matches live: their snapshots (and the index)
 * get a fresh TTL, content untouched (another request may hold a newer one). A snapshot already removed,
 * because its match ended, is not brought back. Returns how many were refreshed.
 */
export async function refreshLive(redis: RedisClient, prefix: string, ttlSeconds: number, requestKey: string): Promise<number> {
  const index = liveIndexKey(prefix, requestKey);
  const ids = await redis.smembers(index);
  if (!ids.length) return 0;
  const m = redis.multi();
  for (const id of ids) m.expire(liveKey(prefix, Number(id)), ttlSeconds);
  m.expire(index, ttlSeconds);
  const res = (await m.exec()) ?? [];
  return res.slice(0, ids.length).filter(([err, n]) => !err && n === 1).length;
}
