// One drift check of a model version: load the reference and current windows' predictions (each match's
// latest prediction of the version in the window), run the tests in a worker thread, add performance drift
// (rolling RPS against the reference window's), store the check, open / update / resolve alerts (one open
// per version × feature), and hand critical ones to the drift hook (one retraining per cooldown).
import type { Config } from '../../../src/config.js';
import type { Db } from '../../../src/db/client.js';
import type { Executor } from '../../../src/db/executor.js';
import { sql } from '../../../src/db/sql.js';
import type { Logger } from '../../../src/logger.js';
import { DAY_MS, utc } from '../../../src/time.js';
import { OUTCOME, rpsOf, SETTLED, VALID } from '../accuracy/scored.js';
import { distReady } from '../dist.js';
import { momentsFromSums, welchT } from '../tests.js';
import { runInThread } from '../threads.js';
import { type DriftThresholds, type FeatureInput, type FeatureResult, type Severity } from './methods.js';

export const thresholdsOf = (c: Readonly<Config>): DriftThresholds => ({
  minSample: c.DRIFT_MIN_SAMPLE, largeSample: c.DRIFT_LARGE_SAMPLE, alpha: c.DRIFT_ALPHA, criticalP: c.DRIFT_CRITICAL_P, correction: c.DRIFT_CORRECTION,
  psiWarn: c.DRIFT_PSI_WARN, psiCritical: c.DRIFT_PSI_CRITICAL, distanceWarn: c.DRIFT_DISTANCE_WARN, distanceCritical: c.DRIFT_DISTANCE_CRITICAL,
});

export interface Window { from: Date; to: Date }

export interface DriftCheckResult {
  versionId: number;
  reference: Window & { source: 'training' | 'configured' | 'default' };
  current: Window;
  features: FeatureResult[];
  opened: number[];
  updated: number[];
  resolved: number[];
  critical: Array<{ alertId: number; retrainJobId: string | null }>;
}

export interface DriftDeps {
  db: Db;
  sql: Executor;
  config: Readonly<Config>;
  log: Logger;
  /** The existing hook (pipelines/_ml/on-drift-alert.ts): a critical alert starts one retraining per cooldown. */
  onCritical: (alert: { severity: string; [k: string]: unknown }) => Promise<string | null>;
  onOpened?: (severity: Severity, method: string) => void;
}

interface Sample { ph: number; pd: number; pa: number; features: Record<string, unknown> | null; rps: number | null }

/** Each match's latest prediction of the version made in the window (only valid forecasts), with its RPS when finished. */
async function sample(ex: Executor, versionId: number, w: Window): Promise<Sample[]> {
  return ex.query<Sample>(sql`
    SELECT DISTINCT ON (p.match_id) p.p_home AS ph, p.p_draw AS pd, p.p_away AS pa, p.features,
      CASE WHEN m.status IN ${SETTLED} AND m.home_score IS NOT NULL AND p.created_at < m.kickoff THEN ${rpsOf(sql`p.p_home`, sql`p.p_draw`, OUTCOME)} END AS rps
    FROM predictions p JOIN matches m ON m.id = p.match_id
    WHERE p.model_version_id = ${versionId}::int AND p.created_at >= ${utc(w.from)}::timestamp AND p.created_at < ${utc(w.to)}::timestamp AND ${VALID}
    ORDER BY p.match_id, p.created_at DESC, p.id DESC`);
}

async function windows(db: Db, ex: Executor, versionId: number, c: Readonly<Config>, now: Date): Promise<{ reference: DriftCheckResult['reference']; current: Window }> {
  const current = { from: new Date(now.getTime() - c.DRIFT_CURRENT_DAYS * DAY_MS), to: now };
  if (c.DRIFT_REFERENCE_DAYS > 0) return { current, reference: { from: new Date(current.from.getTime() - c.DRIFT_REFERENCE_DAYS * DAY_MS), to: current.from, source: 'configured' } };
  const v = await db.modelVersion.findUnique({ where: { id: versionId }, select: { trainedFrom: true, trainedTo: true } });
  if (v?.trainedFrom && v.trainedTo && v.trainedTo <= current.from) {
    const n = await ex.one<{ n: string }>(sql`SELECT count(*) AS n FROM predictions WHERE model_version_id = ${versionId}::int
      AND created_at >= ${utc(v.trainedFrom)}::timestamp AND created_at < ${utc(v.trainedTo)}::timestamp`);
    if (Number(n.n) >= c.DRIFT_MIN_SAMPLE) return { current, reference: { from: v.trainedFrom, to: v.trainedTo, source: 'training' } };
  }
  return { current, reference: { from: new Date(current.from.getTime() - 90 * DAY_MS), to: current.from, source: 'default' } };
}

/** The columns tested: each outcome probability, the predicted outcome, and every stored feature. */
function featureInputs(ref: Sample[], cur: Sample[]): FeatureInput[] {
  const num = (name: string, pick: (s: Sample) => unknown): FeatureInput => {
    const col = (rows: Sample[]) => Float64Array.from(rows.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
    return { name, kind: 'numerical', reference: col(ref), current: col(cur) };
  };
  const argmax = (s: Sample) => (s.ph >= s.pd && s.ph >= s.pa ? 0 : s.pd >= s.pa ? 1 : 2);
  const keys = [...new Set([...ref, ...cur].flatMap((s) => (s.features ? Object.keys(s.features) : [])))].sort();
  return [
    num('p_home', (s) => s.ph), num('p_draw', (s) => s.pd), num('p_away', (s) => s.pa),
    { ...num('predicted_outcome', argmax), kind: 'categorical' },
    ...keys.map((k) => num(`feature:${k}`, (s) => s.features?.[k])),
  ];
}

/** Rolling RPS of the current window against the reference window's, with Welch's test of the difference. */
function performance(ref: Sample[], cur: Sample[], c: Readonly<Config>): FeatureResult {
  const r = ref.map((s) => s.rps).filter((v): v is number => v !== null), k = cur.map((s) => s.rps).filter((v): v is number => v !== null);
  const base = { feature: 'performance:rps', type: 'numerical' as const, nReference: r.length, nCurrent: k.length, adjustedP: null, psi: null };
  if (r.length < c.DRIFT_MIN_SAMPLE || k.length < c.DRIFT_MIN_SAMPLE) {
    return { ...base, status: 'insufficient_data', severity: 'none', method: 'none', statistic: null, pValue: null, details: { minSample: c.DRIFT_MIN_SAMPLE } };
  }
  const m = (x: number[]) => momentsFromSums(x.length, x.reduce((s, v) => s + v, 0), x.reduce((s, v) => s + v * v, 0));
  const mr = m(r), mk = m(k);
  const diff = mk.mean - mr.mean;
  const t = welchT(mk, mr);
  const severity: Severity = diff >= c.DRIFT_RPS_CRITICAL ? 'critical' : diff >= c.DRIFT_RPS_WARN ? 'warning' : 'none';
  return {
    ...base, status: severity === 'none' ? 'ok' : 'drift', severity, method: 'rps_difference', statistic: diff, pValue: t.pValue,
    details: { referenceRps: mr.mean, currentRps: mk.mean, welchT: t.statistic, welchDf: t.df },
  };
}

export async function checkVersion(deps: DriftDeps, versionId: number, now = new Date()): Promise<DriftCheckResult> {
  const { reference, current } = await windows(deps.db, deps.sql, versionId, deps.config, now);
  const [ref, cur] = await Promise.all([sample(deps.sql, versionId, reference), sample(deps.sql, versionId, current)]);
  const inputs = featureInputs(ref, cur);
  await distReady();
  const features = await runInThread<FeatureResult[]>('drift/worker', { features: inputs, thresholds: thresholdsOf(deps.config) },
    inputs.flatMap((f) => [f.reference.buffer as ArrayBuffer, f.current.buffer as ArrayBuffer]));
  features.push(performance(ref, cur, deps.config));
  await deps.sql.execute(sql`INSERT INTO drift_checks (model_version_id, checked_at, reference_from, reference_to, current_from, current_to, results)
    VALUES (${versionId}::int, ${utc(now)}::timestamp, ${utc(reference.from)}::timestamp, ${utc(reference.to)}::timestamp, ${utc(current.from)}::timestamp,
      ${utc(current.to)}::timestamp, ${JSON.stringify({ referenceSource: reference.source, features })}::jsonb)`);
  const out: DriftCheckResult = { versionId, reference, current, features, opened: [], updated: [], resolved: [], critical: [] };
  for (const f of features) await applyAlert(deps, out, f, now);
  return out;
}

async function applyAlert(deps: DriftDeps, out: DriftCheckResult, f: FeatureResult, now: Date): Promise<void> {
  const key = `${out.versionId}:${f.feature}`;
  if (f.status === 'insufficient_data') return;
  if (f.status === 'ok') {
    // The drift is gone: the open alert resolves itself (an operator may also resolve it by hand).
    const rows = await deps.sql.query<{ id: number }>(sql`UPDATE drift_alerts SET open_key = NULL, resolved_at = ${utc(now)}::timestamp, resolved_by = 'check'
      WHERE open_key = ${key} RETURNING id`);
    out.resolved.push(...rows.map((r) => r.id));
    return;
  }
  const w = { rf: utc(out.reference.from), rt: utc(out.reference.to), cf: utc(out.current.from), ct: utc(out.current.to) };
  // One open alert per version × feature: a repeated finding updates it (and may escalate its severity).
  const row = await deps.sql.one<{ id: number; inserted: boolean; was: string | null }>(sql`
    WITH prev AS (SELECT severity FROM drift_alerts WHERE open_key = ${key})
    INSERT INTO drift_alerts (model_version_id, feature, method, statistic, p_value, severity, reference_from, reference_to, current_from, current_to,
      n_reference, n_current, details, open_key, opened_at, last_seen_at)
    VALUES (${out.versionId}::int, ${f.feature}, ${f.method}, ${f.statistic ?? 0}::float8, ${f.adjustedP ?? f.pValue}::float8, ${f.severity},
      ${w.rf}::timestamp, ${w.rt}::timestamp, ${w.cf}::timestamp, ${w.ct}::timestamp, ${f.nReference}::int, ${f.nCurrent}::int,
      ${JSON.stringify({ ...f.details, rawP: f.pValue, psi: f.psi, type: f.type })}::jsonb, ${key}, ${utc(now)}::timestamp, ${utc(now)}::timestamp)
    ON CONFLICT (open_key) DO UPDATE SET method = excluded.method, statistic = excluded.statistic, p_value = excluded.p_value,
      severity = CASE WHEN drift_alerts.severity = 'critical' THEN 'critical' ELSE excluded.severity END,
      current_from = excluded.current_from, current_to = excluded.current_to, n_current = excluded.n_current, details = excluded.details,
      last_seen_at = excluded.last_seen_at
    RETURNING id, (xmax = 0) AS inserted, (SELECT severity FROM prev) AS was`);
  (row.inserted ? out.opened : out.updated).push(row.id);
  if (row.inserted) deps.onOpened?.(f.severity, f.method);
  // A new critical alert, or one escalated to critical, goes to the drift hook; within the cooldown the
  // hook returns the retraining already queued.
  if (f.severity === 'critical' && row.was !== 'critical') {
    const retrainJobId = await deps.onCritical({ severity: 'critical', alertId: row.id, modelVersionId: out.versionId, feature: f.feature, method: f.method, statistic: f.statistic, pValue: f.adjustedP ?? f.pValue });
    await deps.sql.execute(sql`UPDATE drift_alerts SET retrain_job_id = ${retrainJobId} WHERE id = ${row.id}::int`);
    out.critical.push({ alertId: row.id, retrainJobId });
  }
}
