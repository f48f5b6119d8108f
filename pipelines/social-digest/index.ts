// The end of a user's quiet hours: what was held, as one digest.
import type { JobContext } from '../../src/queue/define.js';
import type { SocialEngineDeps } from '../_social/deps.js';
import { sendDigest, type Channel } from '../_social/deliver.js';

export async function run(p: { userId: number; channel: Channel }, ctx: JobContext<SocialEngineDeps>) {
  return sendDigest(ctx.deps, p, ctx.signal);
}
