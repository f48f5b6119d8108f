// Runs after every chunk of a large fan-out: marks it complete (only when every chunk has its checkpoint)
// and reports the totals. A chunk that failed for good leaves the fan-out incomplete and says so here.
import type { JobContext } from '../../src/queue/define.js';
import type { SocialEngineDeps } from '../_social/deps.js';
import { completeFanout } from '../_social/fanout.js';

export async function run(p: { fanoutId: string }, ctx: JobContext<SocialEngineDeps>) {
  const totals = await completeFanout(ctx.deps.sql, p.fanoutId);
  const { failures } = await ctx.children();
  if (totals.done < totals.chunks) ctx.log.error({ fanoutId: p.fanoutId, ...totals, failures: failures.length }, 'fan-out incomplete: chunks failed for good');
  return { ...totals, complete: totals.done === totals.chunks };
}
