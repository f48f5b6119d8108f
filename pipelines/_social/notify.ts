// The one set-based statement every notification path ends in: recipients selected, filtered (self,
// blocks, mutes, the type switched off) and inserted by PostgreSQL in one INSERT … SELECT, with the
// post written into the same recipients' home feeds. The unique (recipient, dedupe key) makes a repeat
// insert nothing; RETURNING names only the rows actually written, which alone are emitted.
import type { Executor } from '../../src/db/executor.js';
import { sql, type Fragment } from '../../src/db/sql.js';
import { PAYLOAD_VERSION, type NotificationMessage } from './realtime.js';

/** Timestamps are `timestamp(3)` holding UTC (Prisma's DateTime). */
export const NOW = sql`(now() AT TIME ZONE 'UTC')`;

export interface NotificationSpec {
  type: string;
  actorId: number | null;
  subjectType: string | null;
  subjectId: number | null;
  dedupeKey: string;
  /** The same for every recipient; an audience's `extra` is merged into it per recipient. */
  payload: Record<string, unknown>;
  /** Also write this post into each recipient's home feed (null: no feed rows). */
  feedPostId: number | null;
}

export interface Written {
  inserted: number;
  feed: number;
  /** Recipients of the rows written, grouped by their (identical) message. */
  groups: Array<{ recipients: number[]; message: NotificationMessage }>;
}

/**
 * Notifies an audience: `audience` is a SELECT of `recipient` (int) and `extra` (jsonb merged into the
 * payload, '{}' when there is nothing per recipient).
 */
export async function notifyAudience(ex: Executor, spec: NotificationSpec, audience: Fragment): Promise<Written> {
  const actor = sql`${spec.actorId}::int`;
  const rows = await ex.query<{ feed: number; payload: Record<string, unknown> | null; recipients: number[] | null; created_at: Date | null }>(sql`
    WITH r AS (
      SELECT a.recipient, a.extra FROM (${audience}) a
      WHERE a.recipient IS DISTINCT FROM ${actor}
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = a.recipient AND b.blocked_id = ${actor})
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${actor} AND b.blocked_id = a.recipient)
    ),
    feed AS (
      INSERT INTO home_feed_items (user_id, post_id, author_id)
      SELECT r.recipient, ${spec.feedPostId}::int, ${actor} FROM r WHERE ${spec.feedPostId}::int IS NOT NULL
      ON CONFLICT DO NOTHING RETURNING 1
    ),
    n AS (
      INSERT INTO notifications (recipient_id, type, actor_id, subject_type, subject_id, dedupe_key, payload, actor_count, created_at, updated_at)
      SELECT r.recipient, ${spec.type}, ${actor}, ${spec.subjectType}::text, ${spec.subjectId}::int, ${spec.dedupeKey},
             ${JSON.stringify(spec.payload)}::jsonb || r.extra, 1, ${NOW}, ${NOW}
      FROM r
      WHERE NOT EXISTS (SELECT 1 FROM muted_actors m WHERE m.user_id = r.recipient AND m.actor_id = ${actor})
        AND NOT EXISTS (SELECT 1 FROM notification_preferences p WHERE p.user_id = r.recipient AND p.type = ${spec.type} AND NOT p.in_app)
      ON CONFLICT (recipient_id, dedupe_key) DO NOTHING
      RETURNING recipient_id, payload, created_at
    )
    SELECT f.feed, g.payload, g.recipients, g.created_at
    FROM (SELECT count(*)::int AS feed FROM feed) f
    LEFT JOIN (SELECT payload, array_agg(recipient_id) AS recipients, min(created_at) AS created_at FROM n GROUP BY payload) g ON true`);
  const groups: Written['groups'] = [];
  let inserted = 0;
  for (const r of rows) {
    if (!r.recipients?.length) continue;
    inserted += r.recipients.length;
    const at = (r.created_at ?? new Date()).toISOString();
    groups.push({
      recipients: r.recipients,
      message: {
        v: PAYLOAD_VERSION, type: spec.type, dedupeKey: spec.dedupeKey, actorId: spec.actorId === null ? null : String(spec.actorId), actorCount: 1,
        subject: { type: spec.subjectType, id: spec.subjectId === null ? null : String(spec.subjectId) }, payload: r.payload ?? {}, createdAt: at, updatedAt: at,
      },
    });
  }
  return { inserted, feed: rows[0]?.feed ?? 0, groups };
}

/** An audience of given users (a post's author, a thread's commenters …), nothing per recipient. */
export const usersAudience = (ids: readonly number[]) => sql`SELECT DISTINCT u AS recipient, '{}'::jsonb AS extra FROM unnest(${sql.array(ids, 'int')}) AS u`;
