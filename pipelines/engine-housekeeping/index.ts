import type { JobContext } from '../../src/queue/define.js';
import type { EngineDeps } from '../../src/engine.js';
import { sql } from '../../src/db/sql.js';
import { DAY_MS, utc } from '../../src/time.js';

/** Deletes pipeline runs and re-driven dead letters older than the given ages, in one statement each. */
export async function run(p: { pipelineRunsDays: number; deadLettersDays: number }, ctx: JobContext<EngineDeps>) {
  // Each DELETE scans a table that grows with every job: on the analytics pool, so a long prune neither
  // holds a connection the jobs' own bookkeeping needs nor runs unbounded (statement timeout).
  const { analytics } = ctx.deps;
  const now = Date.now();
  const runs = await analytics.execute(sql`DELETE FROM pipeline_runs WHERE started_at < ${utc(now - p.pipelineRunsDays * DAY_MS)}::timestamp`);
  const letters = await analytics.execute(sql`DELETE FROM dead_letters WHERE redriven_at < ${utc(now - p.deadLettersDays * DAY_MS)}::timestamp`);
  ctx.log.info({ pipelineRuns: runs, deadLetters: letters }, 'pruned');
  return { counts: { pipelineRunsDeleted: runs, deadLettersDeleted: letters } };
}
