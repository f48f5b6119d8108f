// stats-accuracy: recompute and store the statistics (all versions, or the given ones).
import type { z } from 'zod';
import type { accuracyPayload } from '../../queues/stats-accuracy.js';
import type { EngineDeps } from '../../src/engine.js';
import type { JobContext } from '../../src/queue/define.js';
import { recomputeAccuracy } from '../_stats/accuracy/recompute.js';

export async function run(p: z.output<typeof accuracyPayload>, ctx: JobContext<EngineDeps>) {
  // A scan of every stored prediction: on the analytics pool, whose statement timeout bounds it.
  const res = await recomputeAccuracy(ctx.deps.analytics, { scope: p.versionIds ? { versionIds: p.versionIds } : {}, trigger: p.trigger });
  ctx.log.info({ rows: res.rows, ms: Math.round(res.ms), versions: p.versionIds?.length ?? 'all' }, 'statistics recomputed');
  return { rows: res.rows, ms: Math.round(res.ms), counts: { rows: res.rows } };
}
