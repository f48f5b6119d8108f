// An agent's performance over time windows: tasks completed / failed / cancelled / timed out, success
// rate (completed among those that ended for a reason of their own: cancelled tasks say nothing about
// the agent), and p50 / p95 of run time and of queue wait, overall and by task kind. One statement for
// every window (the (agent_id, finished_at) index bounds the scan to the longest window).
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';

interface Row {
  label: string;
  kind: string | null;
  completed: string;
  failed: string;
  cancelled: string;
  timedOut: string;
  durP50: number | null;
  durP95: number | null;
  waitP50: number | null;
  waitP95: number | null;
}

const ms = (v: number | null) => (v === null ? null : Math.round(v));

function shape(r: Row) {
  const completed = Number(r.completed);
  const failed = Number(r.failed);
  const timedOut = Number(r.timedOut);
  const judged = completed + failed + timedOut;
  return {
    completed, failed, cancelled: Number(r.cancelled), timedOut,
    successRate: judged ? completed / judged : null,
    durationMs: { p50: ms(r.durP50), p95: ms(r.durP95) },
    queueWaitMs: { p50: ms(r.waitP50), p95: ms(r.waitP95) },
  };
}

export async function performance(ex: Executor, agentId: number, windows: ReadonlyArray<{ label: string; ms: number }>) {
  const rows = await ex.query<Row>(sql`
    WITH w AS (SELECT * FROM unnest(${windows.map((w) => w.label)}::text[], ${windows.map((w) => w.ms)}::bigint[]) AS w(label, ms)),
    t AS (
      SELECT kind, status, finished_at,
             extract(epoch FROM finished_at - started_at) * 1000 AS dur,
             extract(epoch FROM started_at - created_at) * 1000 AS wait
      FROM agent_tasks
      WHERE agent_id = ${agentId} AND finished_at >= now() - (SELECT max(ms) FROM w) * interval '1 millisecond'
    )
    SELECT w.label, t.kind,
      count(*) FILTER (WHERE t.status = 'COMPLETED') AS completed,
      count(*) FILTER (WHERE t.status = 'FAILED') AS failed,
      count(*) FILTER (WHERE t.status = 'CANCELLED') AS cancelled,
      count(*) FILTER (WHERE t.status = 'TIMED_OUT') AS "timedOut",
      percentile_cont(0.5) WITHIN GROUP (ORDER BY t.dur) AS "durP50",
      percentile_cont(0.95) WITHIN GROUP (ORDER BY t.dur) AS "durP95",
      percentile_cont(0.5) WITHIN GROUP (ORDER BY t.wait) AS "waitP50",
      percentile_cont(0.95) WITHIN GROUP (ORDER BY t.wait) AS "waitP95"
    FROM w JOIN t ON t.finished_at >= now() - w.ms * interval '1 millisecond'
    GROUP BY GROUPING SETS ((w.label), (w.label, t.kind))`);
  return windows.map((w) => {
    const total = rows.find((r) => r.label === w.label && r.kind === null);
    const empty: Row = { label: w.label, kind: null, completed: '0', failed: '0', cancelled: '0', timedOut: '0', durP50: null, durP95: null, waitP50: null, waitP95: null };
    return {
      window: w.label,
      ...shape(total ?? empty),
      byKind: Object.fromEntries(rows.filter((r) => r.label === w.label && r.kind !== null).map((r) => [r.kind, shape(r)])),
    };
  });
}
