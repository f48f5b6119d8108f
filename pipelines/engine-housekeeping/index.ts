import type { JobContext } from '../../src/queue/define.js';
import type { EngineDeps } from '../../src/engine.js';

const DAY_MS = 86_400_000;

/** Deletes pipeline runs and re-driven dead letters older than the given ages, in one statement each. */
export async function run(p: { pipelineRunsDays: number; deadLettersDays: number }, ctx: JobContext<EngineDeps>) {
  const { db } = ctx.deps;
  const now = Date.now();
  const runs = await db.pipelineRun.deleteMany({ where: { startedAt: { lt: new Date(now - p.pipelineRunsDays * DAY_MS) } } });
  const letters = await db.deadLetter.deleteMany({ where: { redrivenAt: { lt: new Date(now - p.deadLettersDays * DAY_MS) } } });
  ctx.log.info({ pipelineRuns: runs.count, deadLetters: letters.count }, 'pruned');
  return { counts: { pipelineRunsDeleted: runs.count, deadLettersDeleted: letters.count } };
}
