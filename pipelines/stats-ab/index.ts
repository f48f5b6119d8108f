// stats-ab: evaluate one A/B test or every running one.
import type { z } from 'zod';
import type { abPayload } from '../../queues/stats-ab.js';
import { sql } from '../../src/db/sql.js';
import type { EngineDeps } from '../../src/engine.js';
import type { JobContext } from '../../src/queue/define.js';
import { evaluateTest } from '../_stats/ab/evaluate.js';
import type { StatsDeps } from '../_stats/deps.js';
import { distReady } from '../_stats/dist.js';

export async function run(p: z.output<typeof abPayload>, ctx: JobContext<EngineDeps & StatsDeps>) {
  const { deps } = ctx;
  await distReady();
  const ids = p.testId ? [p.testId] : (await deps.sql.query<{ id: number }>(sql`SELECT id FROM ab_tests WHERE status = 'running' ORDER BY id`)).map((r) => r.id);
  const results = [];
  for (const id of ids) {
    const e = await evaluateTest(deps, id, { srmP: deps.config.AB_SRM_P });
    if (!e) continue;
    if (e.status === 'concluded' && e.decision) deps.statsMetrics.abConcluded.inc({ decision: e.decision });
    results.push({ testId: id, status: e.status, decision: e.decision, n: e.analysis?.n ?? 0, promoted: e.promoted });
  }
  return { results, counts: { tests: results.length, concluded: results.filter((r) => r.status === 'concluded').length } };
}
