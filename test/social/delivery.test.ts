// Push through the channel's webhook (a local HTTP server): attempts and outcomes recorded, retried after
// a 500 with the same Idempotency-Key, the daily cap respected, quiet hours held and sent as one digest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { FakeUpstream } from '../support/fake-upstream.js';
import { waitFor } from '../support/engine.js';
import { createPost, seedFollowers, seedUsers, sendEvent, settledJob, useSocialEngine } from './support.js';
import { inQuiet, localMinute, quietEndsAt } from '../../pipelines/_social/quiet-hours.js';

const fake = new FakeUpstream();
beforeAll(async () => {
  fake.route('/hooks/push', { body: '{"ok":true}' });
  await fake.start();
});
afterAll(() => fake.stop());
const f = useSocialEngine(() => ({ SOCIAL_PUSH_WEBHOOK_URL: `${fake.url}/hooks/push` }));

const attempts = () => f.sql.query<{ user_id: number; status: string; http_status: number | null }>(sql`SELECT user_id, status, http_status FROM delivery_attempts ORDER BY user_id, id`);
const pushed = () => fake.requests.filter((r) => r.path === '/hooks/push').map((r) => ({ key: r.headers['idempotency-key'], body: JSON.parse(r.body) }));

describe('push delivery', () => {
  it('sends once per notification (a 500 retried with the same key), respects the daily cap, holds quiet hours for one digest', async () => {
    await seedUsers(f.sql, 1, 5);
    await seedFollowers(f.sql, 1, 2, 5);
    await f.sql.execute(sql`INSERT INTO notification_preferences (user_id, type, push) VALUES (2, 'post', true), (3, 'post', true), (4, 'post', true)`);
    // User 3 is in quiet hours now (the window is the current UTC minute ± 2); user 4 had one push today, cap 1.
    const now = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
    await f.sql.execute(sql`INSERT INTO notification_settings (user_id, daily_cap, quiet_start_minute, quiet_end_minute) VALUES
      (3, 20, ${(now + 1438) % 1440}, ${(now + 2) % 1440}), (4, 1, NULL, NULL)`);
    await f.sql.execute(sql`INSERT INTO delivery_attempts (notification_id, user_id, channel, status) VALUES (999999, 4, 'push', 'sent')`);
    fake.fail({ kind: 'status', status: 500 }, 1, '/hooks/push');

    const p1 = await createPost(f.sql, 1, 'first');
    await sendEvent(f, { type: 'post-created', postId: p1 });
    await waitFor(async () => (await attempts()).some((a) => a.user_id === 2 && a.status === 'sent'), 15_000, 'push to user 2');
    const p2 = await createPost(f.sql, 1, 'second');
    await sendEvent(f, { type: 'post-created', postId: p2 });
    await waitFor(async () => (await attempts()).filter((a) => a.status === 'held').length === 2, 15_000, 'two held for user 3');
    await waitFor(async () => (await attempts()).filter((a) => a.user_id === 2 && a.status === 'sent').length === 2, 15_000, 'second push to user 2');

    const toUser2 = pushed().filter((p) => p.body.userId === '2');
    expect(toUser2.map((p) => p.key)).toEqual([expect.stringMatching(/^notification-\d+-push$/), toUser2[0]!.key, expect.stringMatching(/^notification-\d+-push$/)]);
    expect(toUser2[0]!.body.notifications[0]).toMatchObject({ type: 'post', payload: { postId: String(p1) } });
    expect(pushed().filter((p) => ['3', '4', '5'].includes(p.body.userId))).toEqual([]);
    const byUser = (u: number) => attempts().then((a) => a.filter((x) => x.user_id === u).map((x) => [x.status, x.http_status]));
    expect(await byUser(2)).toEqual([['failed', 500], ['sent', 200], ['sent', 200]]);
    expect(await byUser(4)).toEqual([['sent', null], ['capped', null], ['capped', null]]);
    expect(await byUser(5)).toEqual([]);

    // Quiet hours end: the digest job (delayed until then) runs now, with both held notifications in one call.
    const digests = await f.engine.producer.queue('social-digest').getDelayed();
    expect(digests).toHaveLength(1);
    await digests[0]!.promote();
    const done = await settledJob(f, 'social-digest', String(digests[0]!.id));
    expect(done.result).toMatchObject({ status: 'digested', notifications: 2 });
    const digest = pushed().filter((p) => p.body.userId === '3');
    expect(digest).toHaveLength(1);
    expect(digest[0]!.body).toMatchObject({ digest: true, channel: 'push' });
    expect(digest[0]!.body.notifications.map((n: { payload: { postId: string } }) => n.payload.postId)).toEqual([String(p1), String(p2)]);
    expect((await byUser(3)).map(([s]) => s)).toEqual(['held', 'held', 'digested', 'digested']);
  });
});

describe('quiet hours (pure)', () => {
  it('wraps midnight, and ends at the window end in the user\'s zone', () => {
    expect(inQuiet(23 * 60, 22 * 60, 7 * 60)).toBe(true);
    expect(inQuiet(6 * 60 + 59, 22 * 60, 7 * 60)).toBe(true);
    expect(inQuiet(7 * 60, 22 * 60, 7 * 60)).toBe(false);
    expect(inQuiet(12 * 60, 9 * 60, 17 * 60)).toBe(true);
    expect(inQuiet(12 * 60, null, null)).toBe(false);
    const at = new Date('2026-11-30T22:30:00Z'); // 23:30 in Berlin (UTC+1 in winter)
    const minute = localMinute('Europe/Berlin', at);
    expect(minute).toBe(23 * 60 + 30);
    expect(quietEndsAt(at, minute, 7 * 60).toISOString()).toBe('2026-12-01T06:00:00.000Z');
  });
});
