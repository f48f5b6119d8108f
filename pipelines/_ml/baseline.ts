// The built-in baseline inside the engine: fitted from finished matches in the database, registered as a
// BASELINE model version (its parameters are the version's `params`), and used to predict when the ML
// service is not configured or not available.
import { mlBaselineFit } from '../../queues/ml-baseline-fit.js';
import { createHash } from 'node:crypto';
import type { Prisma } from '../../src/db/client.js';
import { ModelSource, type ModelVersion } from '../../src/generated/prisma/client.js';
import type { Logger } from '../../src/logger.js';
import { BASELINE_MODEL_NAME, BASELINE_MODEL_VERSION, fitBaseline, predictBaseline, type BaselineModelJson, type Fixture, type ResultRow } from '../_baseline-model/model.js';
import type { MlEngineDeps } from './deps.js';
import { activeVersion, register } from './registry.js';
import type { MatchError, PredictionRow } from './store.js';
import { DAY_MS } from '../../src/time.js';

/** The rating components replay at most ten years; older results cannot change a fit. */
const HISTORY_DAYS = 10 * 365;
/**
 * A new fit replaces the active one unless its validation RPS is worse by more than this: a weekly refit
 * is mostly fresher ratings, and a tiny validation difference between two windows is noise.
 */
export const PROMOTE_TOLERANCE_RPS = 0.005;

export interface BaselineVersion {
  id: number;
  version: string;
  model: BaselineModelJson;
}

export interface MatchForBaseline {
  id: number;
  homeTeamId: number | null;
  awayTeamId: number | null;
  kickoff: Date;
  competitionId: number;
}

/** 90-minute results only: extra time and penalties would distort a goals model. */
export async function loadResults(db: MlEngineDeps['db'], now = new Date()): Promise<ResultRow[]> {
  const rows = await db.match.findMany({
    where: { status: 'FULL_TIME', homeScore: { not: null }, awayScore: { not: null }, homeTeamId: { not: null }, awayTeamId: { not: null }, kickoff: { gte: new Date(now.getTime() - HISTORY_DAYS * DAY_MS) } },
    select: { kickoff: true, homeTeamId: true, awayTeamId: true, homeScore: true, awayScore: true, competitionId: true },
    orderBy: [{ kickoff: 'asc' }, { id: 'asc' }],
  });
  return rows.map((r) => ({ date: r.kickoff, home: String(r.homeTeamId), away: String(r.awayTeamId), homeGoals: r.homeScore!, awayGoals: r.awayScore!, league: String(r.competitionId) }));
}

/** Same results → same version string, so a repeated fit registers nothing new. */
export function baselineVersion(model: BaselineModelJson, results: readonly ResultRow[]): string {
  const h = createHash('sha256');
  for (const r of results) h.update(`${r.date.getTime()},${r.league},${r.home},${r.away},${r.homeGoals},${r.awayGoals}\n`);
  return `${BASELINE_MODEL_VERSION}+${model.params.asOf.slice(0, 10).replaceAll('-', '')}.${h.digest('hex').slice(0, 10)}`;
}

/** The validation figures of the fit (inner walk-forward per competition), pooled by number of matches. */
export function baselineMetrics(model: BaselineModelJson) {
  const leagues = Object.entries(model.params.leagues);
  let n = 0, rps = 0;
  for (const [, l] of leagues) {
    const v = l.tuning.validation;
    if (v) {
      n += v.n;
      rps += v.rps.blend * v.n;
    }
  }
  return {
    validationRps: n ? rps / n : null,
    validationMatches: n,
    trainingMatches: model.nMatches,
    competitions: Object.fromEntries(leagues.map(([k, l]) => [k, { matches: l.nMatches, weights: l.tuning.weights, validation: l.tuning.validation }])),
  };
}

export class NoResultsError extends Error {
  override name = 'NoResultsError';
}

/** Fits from the database and registers the version; see PROMOTE_TOLERANCE_RPS for when it becomes ACTIVE. */
export async function fitAndRegister(deps: MlEngineDeps, log: Logger): Promise<{ version: ModelVersion; created: boolean; activated: boolean; fitMs: number; results: number }> {
  const results = await loadResults(deps.db);
  if (!results.length) {
    // Retryable on purpose: results arrive with ingestion, and the next attempt may find them.
    throw new NoResultsError('cannot fit the baseline: no finished (FULL_TIME) matches with scores in the database yet');
  }
  const current = await activeVersion(deps.db, ModelSource.BASELINE);
  const started = performance.now();
  const model = fitBaseline(results, { previous: current?.params ? (current.params as unknown as BaselineModelJson) : undefined });
  const fitMs = Math.round(performance.now() - started);
  const metrics = baselineMetrics(model);
  const res = await register(
    deps.db,
    {
      source: ModelSource.BASELINE, name: BASELINE_MODEL_NAME, version: baselineVersion(model, results),
      metrics: metrics as unknown as Prisma.InputJsonValue, params: model as unknown as Prisma.InputJsonValue,
      trainedFrom: results[0]!.date, trainedTo: new Date(model.trainedTo),
    },
    (active) => {
      const activeRps = (active?.metrics as { validationRps?: number | null } | null)?.validationRps;
      return !active || activeRps == null || metrics.validationRps == null || metrics.validationRps <= activeRps + PROMOTE_TOLERANCE_RPS;
    },
  );
  log.info({ version: res.version.version, created: res.created, activated: res.activated, fitMs, results: results.length, validationRps: metrics.validationRps }, 'baseline fitted');
  return { ...res, fitMs, results: results.length };
}

/** Fitted parameters by version id: immutable, so cached for the life of the process (a few at most). */
export class BaselineCache {
  private readonly models = new Map<number, BaselineModelJson>();
  private fitting?: Promise<unknown>;

  async model(db: MlEngineDeps['db'], v: { id: number; params?: unknown }): Promise<BaselineModelJson> {
    const hit = this.models.get(v.id);
    if (hit) return hit;
    const params = v.params ?? (await db.modelVersion.findUniqueOrThrow({ where: { id: v.id }, select: { params: true } })).params;
    if (!params) throw new Error(`baseline version ${v.id} has no parameters`);
    if (this.models.size >= 4) this.models.delete(this.models.keys().next().value!);
    this.models.set(v.id, params as unknown as BaselineModelJson);
    return params as unknown as BaselineModelJson;
  }

  /** One on-the-spot fit per process at a time, however many chunks ask. */
  fitOnce<T>(fit: () => Promise<T>): Promise<unknown> {
    this.fitting ??= fit().finally(() => (this.fitting = undefined));
    return this.fitting;
  }
}

/**
 * The baseline to predict with: the ACTIVE version. If no baseline was ever fitted, one is fitted on
 * the spot (and becomes ACTIVE); if versions exist but none is ACTIVE (all rolled back), that is an
 * operator decision we do not override: the error says what to do.
 */
export async function ensureBaseline(deps: MlEngineDeps, log: Logger): Promise<BaselineVersion> {
  const read = async () => {
    const active = await deps.db.modelVersion.findFirst({ where: { source: ModelSource.BASELINE, stage: 'ACTIVE' }, select: { id: true, version: true } });
    return active ? { id: active.id, version: active.version, model: await deps.mlBaselines.model(deps.db, active) } : null;
  };
  const found = await read();
  if (found) return found;
  if (await deps.db.modelVersion.count({ where: { source: ModelSource.BASELINE } })) {
    throw new Error(`no ACTIVE baseline version: promote one (POST /models/:id/promote) or run ${mlBaselineFit.name}`);
  }
  log.warn('no baseline fitted yet: fitting one now');
  await deps.mlBaselines.fitOnce(() => fitAndRegister(deps, log));
  const fitted = await read();
  if (!fitted) throw new Error('the baseline fitted on the spot is not ACTIVE (another replica registered a different one); retrying');
  return fitted;
}

/** Predicts with the baseline; a fixture it cannot predict becomes a per-match error, not a failed job. */
export function predictWithBaseline(model: BaselineModelJson, matches: readonly MatchForBaseline[]): { rows: PredictionRow[]; errors: MatchError[] } {
  const rows: PredictionRow[] = [];
  const errors: MatchError[] = [];
  const fixtures: Array<{ match: MatchForBaseline; fixture: Fixture }> = [];
  for (const m of matches) {
    if (m.homeTeamId === null || m.awayTeamId === null) {
      errors.push({ matchId: m.id, code: 'TEAMS_UNKNOWN', message: 'home or away team is still a placeholder', retryable: true });
      continue;
    }
    const league = String(m.competitionId);
    // A competition the model has not seen: let it place the clubs by where they last played.
    const known = Object.hasOwn(model.params.leagues, league);
    fixtures.push({ match: m, fixture: { home: String(m.homeTeamId), away: String(m.awayTeamId), date: m.kickoff, ...(known ? { league } : {}) } });
  }
  const one = (f: (typeof fixtures)[number]) => {
    try {
      return predictBaseline(model, [f.fixture])[0]!;
    } catch (err) {
      errors.push({ matchId: f.match.id, code: 'BASELINE_FAILED', message: (err as Error).message, retryable: false });
      return null;
    }
  };
  let preds: Array<ReturnType<typeof predictBaseline>[number] | null>;
  try {
    preds = predictBaseline(model, fixtures.map((f) => f.fixture));
  } catch {
    preds = fixtures.map(one); // isolate the fixture that fails
  }
  preds.forEach((p, i) => {
    const m = fixtures[i]!.match;
    if (!p) return;
    if (![p.home, p.draw, p.away, p.xgHome, p.xgAway].every(Number.isFinite)) {
      errors.push({ matchId: m.id, code: 'BASELINE_FAILED', message: 'non-finite forecast', retryable: false });
      return;
    }
    rows.push({ matchId: m.id, home: p.home, draw: p.draw, away: p.away, xgHome: p.xgHome, xgAway: p.xgAway, mostLikelyScore: p.mostLikelyScore });
  });
  return { rows, errors };
}
