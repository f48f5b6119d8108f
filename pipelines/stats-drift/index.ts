// stats-drift: one drift check per model version (the given ones, or every version that predicted in the
// current window).
import type { z } from 'zod';
import type { driftPayload } from '../../queues/stats-drift.js';
import { sql } from '../../src/db/sql.js';
import type { JobContext } from '../../src/queue/define.js';
import { DAY_MS, utc } from '../../src/time.js';
import type { MlEngineDeps } from '../_ml/deps.js';
import { onDriftAlert } from '../_ml/on-drift-alert.js';
import type { StatsDeps } from '../_stats/deps.js';
import { checkVersion } from '../_stats/drift/check.js';

export async function run(p: z.output<typeof driftPayload>, ctx: JobContext<MlEngineDeps & StatsDeps>) {
  const { deps } = ctx;
  const since = new Date(Date.now() - deps.config.DRIFT_CURRENT_DAYS * DAY_MS);
  const versionIds = p.versionIds ?? (await deps.sql.query<{ v: number }>(sql`SELECT DISTINCT p.model_version_id AS v FROM predictions p
    JOIN model_versions mv ON mv.id = p.model_version_id WHERE p.created_at >= ${utc(since)}::timestamp AND mv.source <> 'REFERENCE' ORDER BY 1`)).map((r) => r.v);
  const results: Array<{ versionId: number; drifted: string[]; opened: number[]; resolved: number[]; critical: Array<{ alertId: number; retrainJobId: string | null }> }> = [];
  for (const versionId of versionIds) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const r = await checkVersion({
      db: deps.db, sql: deps.sql, config: deps.config, log: ctx.log,
      onCritical: (alert) => onDriftAlert(alert, deps),
      onOpened: (severity, method) => deps.statsMetrics.driftAlerts.inc({ severity, method }),
    }, versionId);
    results.push({ versionId, drifted: r.features.filter((f) => f.status === 'drift').map((f) => `${f.feature}:${f.severity}`), opened: r.opened, resolved: r.resolved, critical: r.critical });
  }
  const sum = (k: 'opened' | 'resolved' | 'critical') => results.reduce((n, r) => n + r[k].length, 0);
  return { results, counts: { versions: versionIds.length, opened: sum('opened'), resolved: sum('resolved'), critical: sum('critical') } };
}
