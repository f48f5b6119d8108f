// ml-backfill: real seasons into the database, with their walk-forward predictions and statistics.
import type { z } from 'zod';
import type { backfillPayload } from '../../queues/ml-backfill.js';
import type { EngineDeps } from '../../src/engine.js';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import { backfill, BackfillInputError } from '../_stats/backfill/run.js';

export async function run(p: z.output<typeof backfillPayload>, ctx: JobContext<EngineDeps>) {
  const { config } = ctx.deps;
  if (!config.BACKFILL_DATA_DIR) throw new NonRetryableError('BACKFILL_DATA_DIR is not set: nothing to backfill from');
  try {
    const res = await backfill(
      { db: ctx.deps.db, sql: ctx.deps.sql, log: ctx.log, cutoffs: config.CONFIDENCE_CUTOFFS },
      { data: config.BACKFILL_DATA_DIR, history: config.BACKFILL_HISTORY_DIR, leagues: p.leagues, refitDays: p.refitDays, reference: p.reference },
    );
    const sum = (k: 'matches' | 'predictions' | 'reference' | 'quarantined') => Object.values(res.leagues).reduce((n, l) => n + l[k], 0);
    return { ...res, counts: { matches: sum('matches'), predictions: sum('predictions'), reference: sum('reference'), quarantined: sum('quarantined') } };
  } catch (err) {
    // A missing folder is not fixed by retrying.
    if (err instanceof BackfillInputError) throw new NonRetryableError(err.message);
    throw err;
  }
}
