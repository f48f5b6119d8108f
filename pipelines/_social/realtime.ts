// Real-time delivery into the backend's Socket.IO cluster through @socket.io/redis-emitter: one Redis
// PUBLISH per emit, received by every gateway's Redis adapter. Best effort by design (Redis Pub/Sub is
// at-most-once): the PostgreSQL row is the source of truth and clients re-sync on reconnect. Callers emit
// only for rows a statement actually inserted or updated, so a duplicate never reaches a client.
import type { Emitter } from '@socket.io/redis-emitter';
import type { RedisClient } from '../../src/redis.js';

/** Version of the payloads below: bump it when a field changes meaning. */
export const PAYLOAD_VERSION = 1;

/** What `notification:new` carries (ids as strings, times as ISO strings: no msgpack Date ambiguity). */
export interface NotificationMessage {
  v: typeof PAYLOAD_VERSION;
  /** Absent when one message goes to a whole chunk (the row ids differ per recipient). */
  id?: string;
  type: string;
  dedupeKey: string;
  actorId: string | null;
  actorCount: number;
  subject: { type: string | null; id: string | null };
  payload: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface PredictionMessage {
  v: typeof PAYLOAD_VERSION;
  matchId: string;
  modelVersion: string;
  probabilities: { home: number; draw: number; away: number };
  /** New minus previous probability; null for a match's first prediction. */
  change: { home: number; draw: number; away: number } | null;
  expectedGoals: { home: number | null; away: number | null };
  predictedAt: string;
}

export const userRoom = (userId: number) => `user:${userId}`;
export const matchRoom = (matchId: number) => `match:${matchId}`;

export class Realtime {
  constructor(
    private readonly nsp: Emitter,
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly predictionTtlSeconds: number,
  ) {}

  /**
   * One emit per distinct message: a chunk whose recipients all get the same message is one PUBLISH
   * whatever its size (the rooms travel inside it).
   */
  notify(groups: ReadonlyArray<{ recipients: readonly number[]; message: NotificationMessage }>): number {
    let emits = 0;
    for (const g of groups) {
      if (!g.recipients.length) continue;
      this.nsp.to(g.recipients.map(userRoom)).emit('notification:new', g.message);
      emits++;
    }
    return emits;
  }

  latestKey(matchId: number): string {
    return `${this.prefix}:social:prediction:match:${matchId}`;
  }

  /** The latest predictions of these matches as stored by `prediction` (null where none is kept). */
  async latest(matchIds: readonly number[]): Promise<Array<PredictionMessage | null>> {
    if (!matchIds.length) return [];
    const raw = await this.redis.mget(...matchIds.map((id) => this.latestKey(id)));
    return raw.map((r) => (r ? (JSON.parse(r) as PredictionMessage) : null));
  }

  /** Keeps each match's latest prediction in Redis (TTL) and emits `prediction:update` to its room. */
  async predictions(messages: readonly PredictionMessage[]): Promise<void> {
    if (!messages.length) return;
    const multi = this.redis.multi();
    for (const m of messages) multi.set(this.latestKey(Number(m.matchId)), JSON.stringify(m), 'EX', this.predictionTtlSeconds);
    await multi.exec();
    for (const m of messages) this.nsp.to(matchRoom(Number(m.matchId))).emit('prediction:update', m);
  }
}

/**
 * The emitter's Redis client: publishes through the engine's connection, and never leaves a rejected
 * PUBLISH unhandled (the emitter ignores its result; an outage only loses best-effort messages).
 */
export function publisher(redis: RedisClient, onError: (err: Error) => void) {
  return {
    publish(channel: string, message: Buffer | string) {
      return redis.publish(channel, message).catch((err: Error) => {
        onError(err);
        return 0;
      });
    },
  };
}
