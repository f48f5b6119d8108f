// One prediction run over a set of matches, shared by batch chunks and live re-predictions:
// choose the model → call it (the ML service, or the baseline when the service is unset or down) →
// store predictions and per-match errors under the version that actually answered. The service path is a
// batch's hot loop: one HTTP call and one INSERT, with the registry lookups cached in the process.
import { sql } from '../../src/db/sql.js';
import type { Logger } from '../../src/logger.js';
import { ModelSource } from '../../src/generated/prisma/client.js';
import { CircuitOpenError, UpstreamClientError, UpstreamError, UpstreamRetryAfterError } from '../../src/upstream/errors.js';
import { ensureBaseline, predictWithBaseline, type MatchForBaseline } from './baseline.js';
import type { MlEngineDeps } from './deps.js';
import { activeVersion, findVersion, serviceVersionId } from './registry.js';
import type { BatchPredictResult } from './schemas.js';
import { storeErrors, storePredictions, type PredictionRow } from './store.js';

export interface PredictRequest {
  matchIds: readonly number[];
  /** Makes the run idempotent: the id of the job that makes it. */
  runKey: string;
  /** A registry version; null: the service's own active model; undefined: the registry's active one. */
  modelVersion?: string | null;
  /** On the last attempt a down service falls back to the baseline instead of failing the job. */
  finalAttempt: boolean;
  signal: AbortSignal;
  log: Logger;
}

export interface ModelCounts {
  modelVersionId: number;
  source: ModelSource;
  version: string;
  /** Rows stored by this run. */
  predicted: number;
  /** Per-match errors (from the service or the baseline). */
  failed: number;
  /** Rows this run had stored already (a retried or replayed job). */
  skipped: number;
}

export interface PredictOutcome {
  /** Requested matches that no longer exist. */
  missing: number;
  fallback: 'circuit_open' | 'service_down' | null;
  byModel: ModelCounts[];
}

/** Why the baseline takes over from the service, or null when the error must fail the attempt. */
export function fallbackReason(err: unknown, finalAttempt: boolean): PredictOutcome['fallback'] {
  if (err instanceof CircuitOpenError) return 'circuit_open';
  // A 4xx says our request is wrong: hiding it behind baseline predictions would hide a bug.
  if (err instanceof UpstreamClientError) return null;
  if (finalAttempt && (err instanceof UpstreamError || err instanceof UpstreamRetryAfterError)) return 'service_down';
  return null;
}

/**
 * Predicts with the version asked for (or the active one), then with the yardsticks the statistics need on
 * the same matches (pipelines/_stats): the built-in baseline whenever the ML service answered, and the
 * other arm of every running A/B test the answering version is an arm of ("both arms predict every match").
 * Those extra runs have run keys of their own and never fail the served one.
 */
export async function predictMatches(deps: MlEngineDeps, req: PredictRequest): Promise<PredictOutcome> {
  const served = await predictServed(deps, req);
  try {
    await predictYardsticks(deps, req, served);
  } catch (err) {
    req.log.warn({ err: (err as Error).message }, 'yardstick or A/B arm predictions failed (the served predictions are stored)');
  }
  return served;
}

const ARMS_TTL_MS = 10_000;
let armsCache: { at: number; tests: Promise<Array<{ id: number; control: number; treatment: number }>> } | null = null;

/** Running A/B tests, cached briefly: the prediction hot path asks on every chunk. */
function runningTests(deps: MlEngineDeps) {
  if (!armsCache || Date.now() - armsCache.at > ARMS_TTL_MS) {
    const tests = deps.sql.query<{ id: number; control: number; treatment: number }>(sql`
      SELECT id, control_version_id AS control, treatment_version_id AS treatment FROM ab_tests WHERE status = 'running'`).catch(() => []);
    armsCache = { at: Date.now(), tests };
  }
  return armsCache.tests;
}

let baseCache: { at: number; version: Promise<{ id: number } | null> } | null = null;

/** The active baseline, cached as briefly: one registry read per chunk was measurable on the hot path. */
function activeBaseline(deps: MlEngineDeps) {
  if (!baseCache || Date.now() - baseCache.at > ARMS_TTL_MS) baseCache = { at: Date.now(), version: activeVersion(deps.db, ModelSource.BASELINE).catch(() => null) };
  return baseCache.version;
}

async function predictYardsticks(deps: MlEngineDeps, req: PredictRequest, served: PredictOutcome): Promise<void> {
  const done = new Set(served.byModel.map((m) => m.modelVersionId));
  const extra: Array<{ versionId: number; runKey: string }> = [];
  if (served.fallback === null && served.byModel.some((m) => m.source === ModelSource.ML_SERVICE)) {
    const base = await activeBaseline(deps);
    if (base && !done.has(base.id)) extra.push({ versionId: base.id, runKey: `${req.runKey}:baseline` });
  }
  for (const t of await runningTests(deps)) {
    for (const [mine, other] of [[t.control, t.treatment], [t.treatment, t.control]] as const) {
      if (done.has(mine) && !done.has(other)) extra.push({ versionId: other, runKey: `${req.runKey}:ab-${t.id}` });
    }
  }
  for (const e of extra) {
    if (done.has(e.versionId)) continue;
    done.add(e.versionId);
    const v = await deps.db.modelVersion.findUnique({ where: { id: e.versionId }, select: { id: true, source: true, version: true } });
    if (!v || v.source === ModelSource.REFERENCE) continue;
    if (v.source === ModelSource.BASELINE) {
      const matches = await deps.db.match.findMany({ where: { id: { in: [...req.matchIds] } }, select: { id: true, homeTeamId: true, awayTeamId: true, kickoff: true, competitionId: true } });
      await storeBaseline(deps, { ...req, runKey: e.runKey }, matches, v);
    } else if (deps.ml) {
      const ml = deps.ml;
      const answer = await deps.mlCallSlots.run(() => ml.batchPredict(req.matchIds, { modelVersion: v.version, signal: req.signal, requestId: e.runKey }), req.signal);
      await storeServiceAnswer(deps, e.runKey, answer);
    }
  }
}

async function predictServed(deps: MlEngineDeps, req: PredictRequest): Promise<PredictOutcome> {
  const { db } = deps;
  const target = req.modelVersion ? await findVersion(db, req.modelVersion, deps.ml ? ModelSource.ML_SERVICE : ModelSource.BASELINE, deps.mlVersions) : null;
  let fallback: PredictOutcome['fallback'] = null;
  if (deps.ml && target?.source !== ModelSource.BASELINE) {
    const version = req.modelVersion === undefined ? ((await activeVersion(db, ModelSource.ML_SERVICE))?.version ?? null) : (target?.version ?? req.modelVersion);
    try {
      // The service loads the features itself: nothing to read before the call.
      const ml = deps.ml;
      const answer = await deps.mlCallSlots.run(() => ml.batchPredict(req.matchIds, { modelVersion: version, signal: req.signal, requestId: req.runKey }), req.signal);
      return await storeServiceAnswer(deps, req.runKey, answer);
    } catch (err) {
      fallback = fallbackReason(err, req.finalAttempt);
      if (!fallback) throw err;
      deps.mlMetrics.fallbacks.inc({ reason: fallback });
      req.log.warn({ err: (err as Error).message, reason: fallback, matches: req.matchIds.length }, 'ML service unavailable: predicting with the baseline');
    }
  }
  const matches = await db.match.findMany({
    where: { id: { in: [...req.matchIds] } },
    select: { id: true, homeTeamId: true, awayTeamId: true, kickoff: true, competitionId: true },
  });
  const counts = await storeBaseline(deps, req, matches, target?.source === ModelSource.BASELINE ? target : null);
  return { missing: req.matchIds.length - matches.length, fallback, byModel: [counts] };
}

async function storeServiceAnswer(deps: MlEngineDeps, runKey: string, answer: BatchPredictResult): Promise<PredictOutcome> {
  const byVersion = new Map<string, PredictionRow[]>([[answer.modelVersion, []]]);
  for (const p of answer.predictions) {
    let rows = byVersion.get(p.modelVersion);
    if (!rows) byVersion.set(p.modelVersion, (rows = []));
    rows.push({ matchId: p.matchId, home: p.home, draw: p.draw, away: p.away, xgHome: p.xgHome, xgAway: p.xgAway, predictedOutcome: p.predictedOutcome, mostLikelyScore: p.mostLikelyScore });
  }
  const byModel: ModelCounts[] = [];
  let missing = 0;
  for (const [version, rows] of byVersion) {
    if (!rows.length && version !== answer.modelVersion) continue;
    const id = await serviceVersionId(deps.db, version, deps.mlServiceVersions);
    const stored = await storePredictions(deps.sql, runKey, id, rows, deps.mlCutoffs);
    missing += stored.missing;
    // Errors belong to the version the service answered with.
    const failed = version === answer.modelVersion ? answer.errors.length : 0;
    deps.mlMetrics.predictions.inc({ source: 'ml_service' }, stored.inserted);
    await announce(deps, version, rows, stored.inserted);
    byModel.push({ modelVersionId: id, source: ModelSource.ML_SERVICE, version, predicted: stored.inserted, failed, skipped: stored.duplicates });
  }
  await storeErrors(deps.db, runKey, answer.errors);
  return { missing, fallback: null, byModel };
}

async function storeBaseline(
  deps: MlEngineDeps,
  req: PredictRequest,
  matches: MatchForBaseline[],
  explicit: { id: number; version: string } | null,
): Promise<ModelCounts> {
  const baseline = explicit
    ? { id: explicit.id, version: explicit.version, model: await deps.mlBaselines.model(deps.db, { id: explicit.id }) }
    : await ensureBaseline(deps, req.log);
  const { rows, errors } = predictWithBaseline(baseline.model, matches);
  const stored = await storePredictions(deps.sql, req.runKey, baseline.id, rows, deps.mlCutoffs);
  await storeErrors(deps.db, req.runKey, errors);
  deps.mlMetrics.predictions.inc({ source: 'baseline' }, stored.inserted);
  await announce(deps, baseline.version, rows, stored.inserted);
  return { modelVersionId: baseline.id, source: ModelSource.BASELINE, version: baseline.version, predicted: stored.inserted, failed: errors.length, skipped: stored.duplicates };
}

/**
 * Live prediction streaming (the listener is wired in src/app/deps.ts): told of every run that stored new
 * rows. Best effort: a failure is logged and never fails the prediction run.
 */
async function announce(deps: MlEngineDeps, version: string, rows: readonly PredictionRow[], inserted: number): Promise<void> {
  if (!inserted || !deps.mlOnStored) return;
  await deps.mlOnStored(version, rows).catch((err: Error) => deps.log.warn({ err: err.message }, 'prediction update not announced'));
}

/** A prediction run's outcome as the counts a job reports (missing matches count as skipped). */export function countsOf(o: PredictOutcome) {
  const sum = (k: 'predicted' | 'failed' | 'skipped') => o.byModel.reduce((n, m) => n + m[k], 0);
  return { predicted: sum('predicted'), failed: sum('failed'), skipped: sum('skipped') + o.missing };
}
