// Coalesced notifications: likes and follows of one subject within a window update one row ("Ana and
// 12 others liked your post") instead of adding rows. The window is a bucket of SOCIAL_COALESCE_WINDOW_MS
// in the dedupe key. Exact under concurrency and repeats: the upsert locks the row until commit, and an
// actor counts only when its (notification, actor) pair is new.
import { tx, type PoolExecutor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { NOW } from './notify.js';
import { PAYLOAD_VERSION, type NotificationMessage } from './realtime.js';

export interface Coalesced {
  recipientId: number;
  type: string;
  actorId: number;
  subjectType: string;
  subjectId: number;
  /** Without the window: the bucket is appended here. */
  dedupeBase: string;
  payload: Record<string, unknown>;
}

export const windowBucket = (atMs: number, windowMs: number) => Math.floor(atMs / windowMs);

/** The updated row's message, or null when nothing changed (filtered out, or this actor counted before). */
export async function coalesce(db: PoolExecutor, c: Coalesced, windowMs: number, atMs = Date.now()): Promise<NotificationMessage | null> {
  const dedupeKey = `${c.dedupeBase}:w${windowBucket(atMs, windowMs)}`;
  return tx(db, async (t) => {
    const row = await t.maybeOne<{ id: string }>(sql`
      INSERT INTO notifications (recipient_id, type, actor_id, subject_type, subject_id, dedupe_key, payload, actor_count, created_at, updated_at)
      SELECT ${c.recipientId}::int, ${c.type}, ${c.actorId}::int, ${c.subjectType}, ${c.subjectId}::int, ${dedupeKey}, ${JSON.stringify(c.payload)}::jsonb, 0, ${NOW}, ${NOW}
      WHERE ${c.recipientId}::int <> ${c.actorId}::int
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = ${c.recipientId}::int AND b.blocked_id = ${c.actorId}::int) OR (b.blocker_id = ${c.actorId}::int AND b.blocked_id = ${c.recipientId}::int))
        AND NOT EXISTS (SELECT 1 FROM muted_actors m WHERE m.user_id = ${c.recipientId}::int AND m.actor_id = ${c.actorId}::int)
        AND NOT EXISTS (SELECT 1 FROM notification_preferences p WHERE p.user_id = ${c.recipientId}::int AND p.type = ${c.type} AND NOT p.in_app)
      ON CONFLICT (recipient_id, dedupe_key) DO UPDATE SET updated_at = notifications.updated_at
      RETURNING id`);
    if (!row) return null;
    const updated = await t.maybeOne<{ id: string; actor_count: number; payload: Record<string, unknown>; created_at: Date; updated_at: Date }>(sql`
      WITH a AS (INSERT INTO notification_actors (notification_id, actor_id) VALUES (${row.id}::bigint, ${c.actorId}::int) ON CONFLICT DO NOTHING RETURNING 1)
      UPDATE notifications SET actor_count = actor_count + 1, actor_id = ${c.actorId}::int, updated_at = ${NOW}, read_at = NULL
      WHERE id = ${row.id}::bigint AND EXISTS (SELECT 1 FROM a)
      RETURNING id, actor_count, payload, created_at, updated_at`);
    if (!updated) return null;
    return {
      v: PAYLOAD_VERSION, id: String(updated.id), type: c.type, dedupeKey, actorId: String(c.actorId), actorCount: updated.actor_count,
      subject: { type: c.subjectType, id: String(c.subjectId) }, payload: updated.payload, createdAt: updated.created_at.toISOString(), updatedAt: updated.updated_at.toISOString(),
    };
  });
}
