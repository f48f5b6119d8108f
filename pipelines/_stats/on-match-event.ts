// Called for every match event (src/app/deps.ts): a finished match (or a corrected result) updates the
// statistics of the versions that predicted it. The enqueue is debounced per version set, so a matchday's
// full-times make one recomputation; replayed events enqueue again, which is harmless (it recomputes).
import { statsAb } from '../../queues/stats-ab.js';
import { statsAccuracy } from '../../queues/stats-accuracy.js';
import type { EngineDeps } from '../../src/engine.js';
import { sql } from '../../src/db/sql.js';
import { scoreMatches } from './accuracy/score.js';

export const STATS_ON = new Set(['full-time', 'score-corrected']);

export async function onMatchFinished(event: { matchId: number; kind: string; status?: string }, deps: Pick<EngineDeps, 'sql' | 'enqueue' | 'config'>): Promise<string[]> {
  if (!STATS_ON.has(event.kind)) return [];
  // Score the match now (one match: cheap; a replayed or corrected event overwrites the same rows), then
  // let the debounced job aggregate.
  if (!(await scoreMatches(deps.sql, { matchIds: [event.matchId] }))) return [];
  const rows = await deps.sql.query<{ v: number }>(sql`SELECT model_version_id AS v FROM prediction_scores WHERE match_id = ${event.matchId}::int ORDER BY 1`);
  const versionIds = rows.map((r) => r.v);
  const ttlMs = deps.config.STATS_DEBOUNCE_MS;
  const debounce = (id: string) => (ttlMs > 0 ? { debounce: { id, ttlMs } } : {});
  const jobs = [(await deps.enqueue(statsAccuracy, { versionIds, trigger: 'match' }, debounce(`versions-${versionIds.join('-')}`))).id];
  // Running A/B tests between versions that predicted the match are evaluated too (checked after every match).
  const ab = await deps.sql.maybeOne(sql`SELECT 1 AS ok FROM ab_tests WHERE status = 'running'
    AND (control_version_id = ANY(${versionIds}::int[]) OR treatment_version_id = ANY(${versionIds}::int[])) LIMIT 1`);
  if (ab) jobs.push((await deps.enqueue(statsAb, {}, debounce('running'))).id);
  return jobs;
}
