// One push or email: quiet hours (held for the digest), daily cap, then the channel's webhook.
import type { JobContext } from '../../src/queue/define.js';
import type { SocialEngineDeps } from '../_social/deps.js';
import { deliver, type Channel } from '../_social/deliver.js';

export async function run(p: { notificationId: string; channel: Channel }, ctx: JobContext<SocialEngineDeps>) {
  return deliver(ctx.deps, p, ctx.signal);
}
