// npm run backfill -- --data <football-data folder> [--history <results-pddl folder>] [--leagues E0,SP1]
//                     [--refit-days 7,28] [--no-reference] [--threads N]
// The ml-backfill job, run in this process against DATABASE_URL (created and migrated if needed), for a
// fresh machine: real seasons, their walk-forward predictions and statistics. Prints what it wrote and, per
// league, the RPS the statistics computed from the database next to the reference forecast's.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '../../../src/config.js';
import { ensureDatabase } from '../../../src/db/admin.js';
import { createDb, createPool } from '../../../src/db/client.js';
import { executor } from '../../../src/db/executor.js';
import { sql } from '../../../src/db/sql.js';
import { applyMigrations } from '../../../src/db/migrate.js';
import { createLogger } from '../../../src/logger.js';
import { backfill, BackfillInputError, type BackfillOptions } from './run.js';

const USAGE = `usage: npm run backfill -- --data <folder> [--history <folder>] [--leagues E0,SP1] [--refit-days 7,28] [--no-reference] [--threads N]`;

export class UsageError extends Error {}

const ints = (flag: string, v: string) => {
  const list = v.split(',').map((s) => s.trim());
  if (!list.length || list.some((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 365)) throw new UsageError(`${flag} expects days 1…365, comma-separated, got "${v}"`);
  return [...new Set(list.map(Number))];
};

export function parseArgs(argv: readonly string[]): BackfillOptions {
  const o: Partial<BackfillOptions> & { refitDays: number[]; reference: boolean } = { refitDays: [7], reference: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--data': o.data = value(); break;
      case '--history': o.history = value(); break;
      case '--leagues': o.leagues = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--refit-days': o.refitDays = ints(flag, value()); break;
      case '--no-reference': o.reference = false; break;
      case '--threads': o.threads = ints(flag, value())[0]; break;
      default: throw new UsageError(`unknown argument "${flag}"`);
    }
  }
  if (!o.data) throw new UsageError('--data <folder> is required');
  return { ...o, data: o.data };
}

async function main(argv: readonly string[]): Promise<void> {
  let opts: BackfillOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) { console.error(`error: ${err.message}\n\n${USAGE}`); process.exit(2); }
    throw err;
  }
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, [config.API_KEY]);
  await ensureDatabase(config.DATABASE_URL);
  await applyMigrations(config.DATABASE_URL);
  const pool = createPool(config.DATABASE_URL);
  const db = createDb(pool);
  try {
    const res = await backfill({ db, sql: executor(pool), log, cutoffs: config.CONFIDENCE_CUTOFFS }, opts);
    console.log(`backfilled in ${(res.ms / 1000).toFixed(1)} s; versions: ${Object.entries(res.versions).map(([v, id]) => `${v} (id ${id})`).join(', ')}` +
      `${res.referenceVersionId !== null ? `; reference id ${res.referenceVersionId}` : ''}; scoring ${(res.scoreMs / 1000).toFixed(1)} s, ${res.statsRows} statistics rows in ${(res.statsMs / 1000).toFixed(1)} s`);
    for (const [league, c] of Object.entries(res.leagues)) {
      console.log(`${league.padEnd(4)} matches +${c.matches}, predictions +${c.predictions}, reference +${c.reference}, quarantined +${c.quarantined}, rejected ${c.rejected} (walk-forward ${(c.computeMs / 1000).toFixed(1)} s wall, ${(c.cpuMs / 1000).toFixed(1)} s CPU; database ${(c.loadMs / 1000).toFixed(1)} s)`);
    }
    // The statistics as stored, on the matches each version shares with the reference forecast.
    const rows = await executor(pool).query<{ version: string; league: string; n: number; rps: number; yardsticks: { reference?: { n: number; model: { rps: number }; yardstick: { rps: number } } } }>(sql`
      SELECT DISTINCT ON (s.model_version_id, s.league) v.version, s.league, s.n, s.rps, s.yardsticks
      FROM model_stats s JOIN model_versions v ON v.id = s.model_version_id
      WHERE s.model_version_id = ANY(${Object.values(res.versions)}::int[]) AND s."window" = 'all'
      ORDER BY s.model_version_id, s.league, s.computed_at DESC, s.id DESC`);
    for (const r of rows) {
      const ref = r.yardsticks.reference;
      console.log(`${r.version} ${r.league.padEnd(4)} n ${r.n} RPS ${r.rps?.toFixed(6) ?? '-'}` +
        (ref ? `; on the ${ref.n} matches with closing odds: RPS ${ref.model.rps.toFixed(10)} (reference ${ref.yardstick.rps.toFixed(10)})` : ''));
    }
  } catch (err) {
    if (err instanceof BackfillInputError) { console.error(`error: ${err.message}`); process.exit(2); }
    throw err;
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

const isEntry = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  });
}
