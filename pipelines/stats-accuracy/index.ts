// stats-accuracy: recompute and store the statistics (all versions, or the given ones).
import type { z } from 'zod';
import type { accuracyPayload } from '../../queues/stats-accuracy.js';
import type { EngineDeps } from '../../src/engine.js';
import type { JobContext } from '../../src/queue/define.js';
import { DAY_MS } from '../../src/time.js';
import { recomputeAccuracy } from '../_stats/accuracy/recompute.js';
import { scoreMatches } from '../_stats/accuracy/score.js';

const RECENT_DAYS = 3;

export async function run(p: z.output<typeof accuracyPayload>, ctx: JobContext<EngineDeps>) {
  // Scans of every scored prediction: on the analytics pool, whose statement timeout bounds them.
  const scored = p.rescore === 'none' ? 0
    : await scoreMatches(ctx.deps.analytics, p.rescore === 'recent' ? { since: new Date(Date.now() - RECENT_DAYS * DAY_MS) } : {});
  const res = await recomputeAccuracy(ctx.deps.analytics, { versionIds: p.versionIds, trigger: p.trigger });
  ctx.log.info({ rows: res.rows, scored, ms: Math.round(res.ms), versions: p.versionIds?.length ?? 'all' }, 'statistics recomputed');
  return { rows: res.rows, scored, ms: Math.round(res.ms), counts: { rows: res.rows, scored } };
}
