// Push and email: one webhook per channel (SOCIAL_PUSH_WEBHOOK_URL, SOCIAL_EMAIL_WEBHOOK_URL) through the
// engine's resilient upstream client (its own rate limit shared by replicas, circuit breaker, timeouts);
// retries are the queue's. Every attempt and outcome is a delivery_attempts row; a notification is sent
// at most once per channel (a retry after a lost answer carries the same Idempotency-Key).
import { socialDeliver } from '../../queues/social-deliver.js';
import { socialDigest } from '../../queues/social-digest.js';
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { Upstream } from '../../src/upstream/client.js';
import type { SocialEngineDeps } from './deps.js';
import { NOW } from './notify.js';
import { inQuiet, localDayStart, localMinute, quietEndsAt } from './quiet-hours.js';

export type Channel = 'push' | 'email';
/** A channel's client and the path of its webhook on it. */
export type Channels = Partial<Record<Channel, { client: Upstream; path: string }>>;

const record = (ex: Executor, a: { notificationIds: readonly string[]; userId: number; channel: Channel; status: string; httpStatus?: number | null; error?: string | null }) =>
  ex.execute(sql`INSERT INTO delivery_attempts (notification_id, user_id, channel, status, http_status, error, attempted_at)
    SELECT unnest(${sql.array(a.notificationIds, 'bigint')}), ${a.userId}::int, ${a.channel}, ${a.status}, ${a.httpStatus ?? null}::int, ${a.error?.slice(0, 1000) ?? null}::text, ${NOW}`);

/**
 * Queues push/email for the rows just written whose recipients switched that channel on for the type
 * (set-based; only channels this deployment has a webhook for). Job ids make a repeat a no-op.
 */
export async function queueDeliveries(deps: SocialEngineDeps, ids: { dedupeKey: string; recipients: readonly number[] }): Promise<number> {
  const on = (Object.keys(deps.socialChannels) as Channel[]);
  if (!on.length || !ids.recipients.length) return 0;
  const rows = await deps.sql.query<{ id: string; channel: Channel }>(sql`
    SELECT n.id::text AS id, c.channel FROM notifications n
    JOIN notification_preferences p ON p.user_id = n.recipient_id AND p.type = n.type
    CROSS JOIN LATERAL (VALUES ('push', p.push), ('email', p.email)) AS c(channel, wanted)
    WHERE n.recipient_id = ANY(${sql.array(ids.recipients, 'int')}) AND n.dedupe_key = ${ids.dedupeKey} AND c.wanted AND c.channel = ANY(${sql.array(on, 'text')})`);
  if (!rows.length) return 0;
  await deps.enqueueBulk(socialDeliver, rows.map((r) => ({ payload: { notificationId: r.id, channel: r.channel }, jobId: `deliver-${r.id}-${r.channel}` })));
  return rows.length;
}

interface Target {
  id: string;
  recipient_id: number;
  type: string;
  payload: Record<string, unknown>;
  actor_count: number;
  created_at: Date;
  timezone: string;
  daily_cap: number;
  quiet_start: number | null;
  quiet_end: number | null;
  wanted: boolean;
  delivered: boolean;
}

export async function deliver(deps: SocialEngineDeps, p: { notificationId: string; channel: Channel }, signal: AbortSignal, now = new Date()) {
  const client = deps.socialChannels[p.channel];
  if (!client) throw new NonRetryableError(`no webhook configured for the ${p.channel} channel`);
  const t = await deps.sql.maybeOne<Target>(sql`
    SELECT n.id::text AS id, n.recipient_id, n.type, n.payload, n.actor_count, n.created_at,
           coalesce(pr.timezone, 'UTC') AS timezone, coalesce(s.daily_cap, 20) AS daily_cap, s.quiet_start_minute AS quiet_start, s.quiet_end_minute AS quiet_end,
           coalesce(CASE WHEN ${p.channel} = 'push' THEN np.push ELSE np.email END, false) AS wanted,
           EXISTS (SELECT 1 FROM delivery_attempts d WHERE d.notification_id = n.id AND d.channel = ${p.channel} AND d.status IN ('sent', 'digested')) AS delivered
    FROM notifications n
    LEFT JOIN user_profiles pr ON pr.user_id = n.recipient_id
    LEFT JOIN notification_settings s ON s.user_id = n.recipient_id
    LEFT JOIN notification_preferences np ON np.user_id = n.recipient_id AND np.type = n.type
    WHERE n.id = ${p.notificationId}::bigint`);
  if (!t) throw new NonRetryableError(`notification ${p.notificationId} does not exist`);
  if (t.delivered) return { status: 'already-delivered' };
  const base = { notificationIds: [t.id], userId: t.recipient_id, channel: p.channel };
  if (!t.wanted) {
    await record(deps.sql, { ...base, status: 'skipped-preference' });
    return { status: 'skipped-preference' };
  }
  const minute = localMinute(t.timezone, now);
  if (inQuiet(minute, t.quiet_start, t.quiet_end)) {
    const until = quietEndsAt(now, minute, t.quiet_end!);
    await record(deps.sql, { ...base, status: 'held' });
    // One digest per user, channel and quiet period, whatever number of notifications it holds.
    await deps.enqueue(socialDigest, { userId: t.recipient_id, channel: p.channel }, { jobId: `digest-${t.recipient_id}-${p.channel}-${until.getTime()}`, delayMs: until.getTime() - now.getTime() });
    return { status: 'held', until: until.toISOString() };
  }
  const sentToday = Number((await deps.sql.one<{ n: string }>(sql`SELECT count(*) AS n FROM delivery_attempts
    WHERE user_id = ${t.recipient_id} AND channel = ${p.channel} AND status = 'sent' AND attempted_at >= ${localDayStart(now, minute).toISOString().slice(0, -1)}::timestamp`)).n);
  if (sentToday >= t.daily_cap) {
    await record(deps.sql, { ...base, status: 'capped' });
    return { status: 'capped' };
  }
  const body = { v: 1, channel: p.channel, userId: String(t.recipient_id), notifications: [message(t)] };
  return send(deps, client, body, base, `notification-${t.id}-${p.channel}`, signal);
}

const message = (t: Pick<Target, 'id' | 'type' | 'payload' | 'actor_count' | 'created_at'>) =>
  ({ id: t.id, type: t.type, payload: t.payload, actorCount: t.actor_count, createdAt: t.created_at.toISOString() });

async function send(deps: SocialEngineDeps, client: { client: Upstream; path: string }, body: unknown, a: { notificationIds: string[]; userId: number; channel: Channel }, key: string, signal: AbortSignal, sentStatus = 'sent') {
  try {
    const res = await client.client.request({ method: 'POST', path: client.path, json: body, headers: { 'idempotency-key': key }, signal });
    await record(deps.sql, { ...a, status: sentStatus, httpStatus: res.status });
    return { status: sentStatus, httpStatus: res.status };
  } catch (err) {
    await record(deps.sql, { ...a, status: 'failed', httpStatus: (err as { status?: number }).status ?? null, error: (err as Error).message });
    throw err;
  }
}

/** The notifications held during the quiet hours that just ended, as one webhook call. */
export async function sendDigest(deps: SocialEngineDeps, p: { userId: number; channel: Channel }, signal: AbortSignal) {
  const client = deps.socialChannels[p.channel];
  if (!client) throw new NonRetryableError(`no webhook configured for the ${p.channel} channel`);
  const held = await deps.sql.query<Pick<Target, 'id' | 'type' | 'payload' | 'actor_count' | 'created_at'>>(sql`
    SELECT n.id::text AS id, n.type, n.payload, n.actor_count, n.created_at FROM notifications n
    WHERE n.id IN (SELECT notification_id FROM delivery_attempts WHERE user_id = ${p.userId} AND channel = ${p.channel} AND status = 'held')
      AND NOT EXISTS (SELECT 1 FROM delivery_attempts d WHERE d.notification_id = n.id AND d.channel = ${p.channel} AND d.status IN ('sent', 'digested'))
    ORDER BY n.id`);
  if (!held.length) return { status: 'nothing-held', notifications: 0 };
  const body = { v: 1, channel: p.channel, userId: String(p.userId), digest: true, notifications: held.map(message) };
  const res = await send(deps, client, body, { notificationIds: held.map((h) => h.id), userId: p.userId, channel: p.channel }, `digest-${p.userId}-${p.channel}-${held.at(-1)!.id}`, signal, 'digested');
  return { ...res, notifications: held.length };
}
