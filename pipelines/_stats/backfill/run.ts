// The backfill: every league computed in a child process (two at a time: the CPU-bound walk-forward,
// as `npm run eval` runs two leagues in parallel, in processes of their own), stored as each finishes, then the statistics of the
// backfilled versions recomputed. Shared by the ml-backfill job and the CLI.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../../../src/db/client.js';
import type { PoolExecutor } from '../../../src/db/executor.js';
import { ModelSource } from '../../../src/generated/prisma/client.js';
import type { Logger } from '../../../src/logger.js';
import { BASELINE_MODEL_NAME } from '../../_baseline-model/model.js';
import type { Cutoffs } from '../../_ml/store.js';
import { recomputeAccuracy } from '../accuracy/recompute.js';
import { scoreMatches } from '../accuracy/score.js';
import { mapLimit, runInProcess } from '../threads.js';
import type { ComputeRequest, ComputeResult } from './compute.js';
import { backfillVersion, ensureVersion, loadLeague, REFERENCE_MODEL_NAME, REFERENCE_VERSION, type LoadCounts } from './load.js';

export interface BackfillOptions {
  data: string;
  history?: string;
  /** League folders to load; default: every sub-folder of `data`. */
  leagues?: string[];
  /** One model version per refit policy (days between walk-forward fits). */
  refitDays: number[];
  /** Store the de-margined closing odds as the reference forecast. */
  reference: boolean;
  /** Leagues computed side by side. */
  threads?: number;
}

export interface BackfillResult {
  leagues: Record<string, LoadCounts & { forecasts: number; cpuMs: number; computeMs: number; loadMs: number }>;
  versions: Record<string, number>;
  referenceVersionId: number | null;
  statsRows: number;
  scoreMs: number;
  statsMs: number;
  ms: number;
}

export class BackfillInputError extends Error {}

export function leaguesIn(data: string, wanted?: string[]): string[] {
  if (!existsSync(data) || !statSync(data).isDirectory()) throw new BackfillInputError(`backfill data folder not found: ${data}`);
  const available = readdirSync(data).filter((d) => statSync(path.join(data, d)).isDirectory()).sort();
  const missing = (wanted ?? []).filter((l) => !available.includes(l));
  if (missing.length) throw new BackfillInputError(`no folder for league${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in ${data}`);
  return wanted ?? available;
}

export async function backfill(deps: { db: Db; sql: PoolExecutor; log: Logger; cutoffs: Cutoffs }, o: BackfillOptions): Promise<BackfillResult> {
  const started = performance.now();
  const leagues = leaguesIn(o.data, o.leagues);
  const versions = new Map<number, number>();
  for (const d of o.refitDays) {
    versions.set(d, await ensureVersion(deps.db, ModelSource.BASELINE, BASELINE_MODEL_NAME, backfillVersion(d), { backfill: true, refitDays: d }));
  }
  const referenceId = o.reference
    ? await ensureVersion(deps.db, ModelSource.REFERENCE, REFERENCE_MODEL_NAME, REFERENCE_VERSION, { reference: 'Pinnacle closing 1X2, multiplicative de-margining' })
    : null;
  const out: BackfillResult['leagues'] = {};
  await mapLimit(leagues, o.threads ?? 2, async (league) => {
    const req: ComputeRequest = { data: o.data, history: o.history, league, refitDays: o.refitDays };
    const t0 = performance.now();
    const r = await runInProcess<ComputeResult>('backfill/compute-worker', req);
    const t1 = performance.now();
    const counts = await loadLeague(deps.sql, r, versions, referenceId, deps.cutoffs);
    out[league] = { ...counts, forecasts: r.policies.reduce((n, p) => n + p.forecasts.length, 0), cpuMs: Math.round(r.cpuMs), computeMs: Math.round(t1 - t0), loadMs: Math.round(performance.now() - t1) };
    deps.log.info({ league, ...out[league] }, 'backfilled league');
  });
  const ids = [...versions.values(), ...(referenceId !== null ? [referenceId] : [])];
  const wrote = Object.values(out).some((c) => c.matches + c.predictions + c.reference > 0);
  // Nothing new: the statistics are those of the last run (a second run writes nothing at all).
  const t2 = performance.now();
  if (wrote) await scoreMatches(deps.sql, { competitionIds: Object.values(out).map((c) => c.competitionId) });
  const t3 = performance.now();
  const stats = wrote ? await recomputeAccuracy(deps.sql, { versionIds: ids, trigger: 'backfill' }) : { rows: 0 };
  return {
    leagues: out,
    versions: Object.fromEntries([...versions].map(([d, id]) => [backfillVersion(d), id])),
    referenceVersionId: referenceId,
    statsRows: stats.rows,
    scoreMs: Math.round(t3 - t2),
    statsMs: Math.round(performance.now() - t3),
    ms: Math.round(performance.now() - started),
  };
}
