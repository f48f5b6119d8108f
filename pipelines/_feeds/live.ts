// The latest snapshot of each live match, kept in Redis with a TTL and published on a channel for the
// backend's WebSocket gateway (`<prefix>:live:matches`; key `<prefix>:live:match:<id>`).
import type { Redis } from 'ioredis';

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

/** Refreshes every live snapshot's TTL; publishes only those that changed. Finished matches are removed. */
export async function syncLive(redis: Redis, prefix: string, ttlSeconds: number, live: LiveSnapshot[], changedIds: Set<number>, endedIds: number[]): Promise<number> {
  if (!live.length && !endedIds.length) return 0;
  const m = redis.multi();
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
