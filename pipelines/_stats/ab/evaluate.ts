// Evaluates an A/B test: stores each newly finished match of the test (its arm, and both versions' losses
// on it, computed in SQL), then replays the test's matches in kick-off order, checking the stopping rule
// after every match (the sequential interval keeps that valid): concluded at the first match where the
// interval excludes 0 with the minimum sample reached, or when the maximum duration has passed ("no
// difference"). A sample-ratio mismatch blocks a decision. Replaying from the start makes an evaluation
// idempotent: running it twice, or on another replica, reaches the same state.
import type { Db } from '../../../src/db/client.js';
import type { Executor } from '../../../src/db/executor.js';
import { sql, type Fragment } from '../../../src/db/sql.js';
import { DAY_MS, utc } from '../../../src/time.js';
import { promote } from '../../_ml/registry.js';
import { argmaxOf, brierOf, logLossOf, rpsOf, scoredRows } from '../accuracy/scored.js';
import { analyse, type AbAnalysis, type ArmSums } from './analyse.js';
import { armSql } from './assign.js';

export const METRICS = ['rps', 'logloss', 'brier', 'accuracy'] as const;
export type AbMetric = (typeof METRICS)[number];

export interface AbTestRow {
  id: number; name: string; control_version_id: number; treatment_version_id: number; split: number; metric: AbMetric;
  min_sample: number; max_duration_days: number; alpha: number; n_star: number; leagues: string[]; auto_promote: boolean;
  status: string; decision: string | null; winner_version_id: number | null; sequential_p: number; last_evaluation: unknown;
  created_at: Date; started_at: Date | null; ended_at: Date | null;
}

function lossOf(metric: AbMetric, x: string): Fragment {
  const f = { ph: sql`${x === 'c' ? sql`c.ph` : sql`t.ph`}`, pd: sql`${x === 'c' ? sql`c.pd` : sql`t.pd`}`, pa: sql`${x === 'c' ? sql`c.pa` : sql`t.pa`}` };
  const o = sql`c.o`;
  switch (metric) {
    case 'rps': return rpsOf(f.ph, f.pd, o);
    case 'brier': return brierOf(f.ph, f.pd, f.pa, o);
    case 'logloss': return logLossOf(f.ph, f.pd, f.pa, o);
    case 'accuracy': return sql`(1 - (${argmaxOf(f.ph, f.pd, f.pa)} = ${o})::int)`;
  }
}

/** Adds the test's finished matches not stored yet; returns how many. */
export async function collectMatches(ex: Executor, t: AbTestRow): Promise<number> {
  if (!t.started_at) return 0;
  return ex.execute(sql`
    WITH scored AS MATERIALIZED (${scoredRows({ versionIds: [t.control_version_id, t.treatment_version_id] })}),
    c AS (SELECT * FROM scored WHERE v = ${t.control_version_id}::int AND ok),
    t AS (SELECT * FROM scored WHERE v = ${t.treatment_version_id}::int AND ok)
    INSERT INTO ab_test_matches (ab_test_id, match_id, arm, kickoff, control_loss, treatment_loss)
    SELECT ${t.id}::int, c.match_id, ${armSql(sql`${t.id}::int`, sql`c.match_id`, sql`${t.split}::float8`)}, c.kickoff, ${lossOf(t.metric, 'c')}, ${lossOf(t.metric, 't')}
    FROM c JOIN t ON t.match_id = c.match_id
    WHERE c.kickoff >= ${utc(t.started_at)}::timestamp
      ${t.leagues.length ? sql`AND c.c IN (SELECT id FROM competitions WHERE coalesce(slug, provider_id) = ANY(${t.leagues}::text[]))` : sql.empty}
    ON CONFLICT (ab_test_id, match_id) DO NOTHING`);
}

export interface Evaluation { status: string; decision: string | null; winnerVersionId: number | null; analysis: AbAnalysis; decidedAt: string | null; promoted: boolean }

/** Replays the stored matches and applies the stopping rule after each one. Pure over the rows. */
export function replay(t: AbTestRow, rows: ReadonlyArray<{ arm: string; kickoff: Date; control_loss: number; treatment_loss: number }>, now: Date, srmP: number) {
  const z = (): ArmSums => ({ n: 0, sum: 0, sumSq: 0 });
  const s = { paired: z(), servedControl: z(), servedTreatment: z(), controlMean: 0, treatmentMean: 0 };
  let sc = 0, st = 0, runningP = 1;
  const settings = { split: t.split, alpha: t.alpha, nStar: t.n_star, minSample: t.min_sample, srmP };
  const deadline = t.started_at ? t.started_at.getTime() + t.max_duration_days * DAY_MS : Infinity;
  let analysis = analyse(s, settings);
  for (const r of rows) {
    if (r.kickoff.getTime() >= deadline) return { analysis, verdict: 'no_difference' as const, at: new Date(deadline) };
    const d = r.treatment_loss - r.control_loss;
    s.paired.n++; s.paired.sum += d; s.paired.sumSq += d * d;
    const served = r.arm === 'treatment' ? s.servedTreatment : s.servedControl;
    const x = r.arm === 'treatment' ? r.treatment_loss : r.control_loss;
    served.n++; served.sum += x; served.sumSq += x * x;
    sc += r.control_loss; st += r.treatment_loss;
    s.controlMean = sc / s.paired.n; s.treatmentMean = st / s.paired.n;
    analysis = analyse(s, settings, runningP);
    runningP = analysis.paired.sequential.pValue;
    if (analysis.verdict === 'treatment' || analysis.verdict === 'control') return { analysis, verdict: analysis.verdict, at: r.kickoff };
  }
  if (now.getTime() >= deadline) return { analysis, verdict: 'no_difference' as const, at: new Date(deadline) };
  return { analysis, verdict: 'continue' as const, at: null };
}

export async function evaluateTest(deps: { db: Db; sql: Executor }, testId: number, o: { now?: Date; srmP: number }): Promise<Evaluation | null> {
  const now = o.now ?? new Date();
  const t = await deps.sql.maybeOne<AbTestRow>(sql`SELECT * FROM ab_tests WHERE id = ${testId}::int`);
  if (!t) return null;
  if (t.status !== 'running') {
    return { status: t.status, decision: t.decision, winnerVersionId: t.winner_version_id, analysis: t.last_evaluation as AbAnalysis, decidedAt: t.ended_at?.toISOString() ?? null, promoted: false };
  }
  await collectMatches(deps.sql, t);
  const rows = await deps.sql.query<{ arm: string; kickoff: Date; control_loss: number; treatment_loss: number }>(sql`
    SELECT arm, kickoff, control_loss, treatment_loss FROM ab_test_matches WHERE ab_test_id = ${t.id}::int ORDER BY kickoff, match_id`);
  const r = replay(t, rows, now, o.srmP);
  const concluded = r.verdict !== 'continue';
  const winner = r.verdict === 'treatment' ? t.treatment_version_id : r.verdict === 'control' ? t.control_version_id : null;
  // Only the evaluation that moves the test out of "running" promotes (the UPDATE's condition decides).
  const moved = await deps.sql.execute(sql`UPDATE ab_tests SET sequential_p = ${r.analysis.paired.sequential.pValue}::float8,
      last_evaluation = ${JSON.stringify({ ...r.analysis, evaluatedAt: now.toISOString() })}::jsonb
      ${concluded ? sql`, status = 'concluded', decision = ${r.verdict}, winner_version_id = ${winner}::int, ended_at = ${utc(now)}::timestamp` : sql.empty}
    WHERE id = ${t.id}::int AND status = 'running'`);
  let promoted = false;
  if (concluded && moved && t.auto_promote && winner === t.treatment_version_id) {
    await promote(deps.db, winner);
    promoted = true;
  }
  return { status: concluded ? 'concluded' : 'running', decision: concluded ? r.verdict : null, winnerVersionId: winner, analysis: r.analysis, decidedAt: r.at?.toISOString() ?? null, promoted };
}
