// One chunk of a large fan-out, then the parent's progress.
import type { JobContext } from '../../src/queue/define.js';
import { socialFanout } from '../../queues/social-fanout.js';
import type { SocialEngineDeps } from '../_social/deps.js';
import { parentJobId, runAndEmit } from '../_social/start-fanout.js';

export async function run(p: { fanoutId: string; chunkNo: number }, ctx: JobContext<SocialEngineDeps>) {
  const res = await runAndEmit(ctx.deps, p.fanoutId, p.chunkNo);
  await ctx.deps.flows.childDone({ def: socialFanout, jobId: parentJobId(p.fanoutId) }, `c${p.chunkNo}`, res.chunks);
  return { inserted: res.inserted, feed: res.feed, skipped: res.skipped };
}
