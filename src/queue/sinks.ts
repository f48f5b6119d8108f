// Where the job wrapper records what happened: dead letters and pipeline runs in PostgreSQL,
// the last run of each schedule in Redis.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { coalesce } from '../db/coalesce.js';
import { ASYNC_COMMIT } from '../db/sql.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { withTimeout } from '../redis.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import type { JobSinks } from './run-job.js';
import { lastRunKey } from './schedules.js';

const MAX_ERROR_CHARS = 8_000;
/** A write PostgreSQL has not answered by then goes to the outbox (if it commits later, the replay is a no-op). */
const WRITE_TIMEOUT_MS = 5_000;
const utc = (ms: number) => new Date(ms).toISOString().slice(0, -1); // timestamp columns hold UTC without a zone

/** A job is its queue, its id and its creation time: BullMQ ids start again after Redis loses its data. */
export interface RunRow {
  queue: string; jobId: string; jobCreatedAt: number; run: number; attempt: number; ok: boolean;
  startedAt: number; finishedAt: number; counts: unknown; error: string | null;
}
export interface DeadLetterRow {
  queue: string; jobId: string; jobCreatedAt: number; jobName: string; payload: unknown;
  error: string; stack: string | null; attempts: number; failedAt: number;
}

/** One row per run; a replayed row is a no-op. */
async function writeRuns(pool: pg.Pool, rows: RunRow[]) {
  // Bookkeeping, not data: committed without waiting for the WAL flush.
  await pool.query(
    `INSERT INTO pipeline_runs (queue, job_id, job_created_at, run, attempt, status, started_at, finished_at, duration_ms, counts, error)
     SELECT r.* FROM unnest($1::text[], $2::text[], $3::timestamp[], $4::int[], $5::int[], $6::"PipelineRunStatus"[], $7::timestamp[], $8::timestamp[], $9::int[], $10::jsonb[], $11::text[]) AS r
       CROSS JOIN (${ASYNC_COMMIT}) AS async_commit
     ON CONFLICT (queue, job_id, job_created_at, run) DO NOTHING`,
    [
      rows.map((r) => r.queue), rows.map((r) => r.jobId), rows.map((r) => utc(r.jobCreatedAt)), rows.map((r) => r.run), rows.map((r) => r.attempt),
      rows.map((r) => (r.ok ? 'SUCCEEDED' : 'FAILED')), rows.map((r) => utc(r.startedAt)), rows.map((r) => utc(r.finishedAt)),
      rows.map((r) => r.finishedAt - r.startedAt), rows.map((r) => JSON.stringify(r.counts ?? {})), rows.map((r) => r.error),
    ],
  );
}

/**
 * One row per job. A replay (same failure time) changes nothing; a later failure of the same job (retried
 * through the API, or a final attempt replayed after a crash) replaces an earlier one, never the reverse.
 */
async function writeDeadLetter(pool: pg.Pool, d: DeadLetterRow) {
  await pool.query(
    `INSERT INTO dead_letters (queue, job_id, job_created_at, job_name, payload, error, stack, attempts, failed_at)
     VALUES ($1, $2, $3::timestamp, $4, $5::jsonb, $6, $7, $8, $9::timestamp)
     ON CONFLICT (queue, job_id, job_created_at) DO UPDATE SET
       job_name = EXCLUDED.job_name, payload = EXCLUDED.payload, error = EXCLUDED.error, stack = EXCLUDED.stack,
       attempts = EXCLUDED.attempts, failed_at = EXCLUDED.failed_at, redriven_at = NULL, redrive_job_id = NULL
     WHERE dead_letters.failed_at < EXCLUDED.failed_at`,
    [d.queue, d.jobId, utc(d.jobCreatedAt), d.jobName, JSON.stringify(d.payload ?? null), d.error, d.stack, d.attempts, utc(d.failedAt)],
  );
}

/** Writes kept entries: the runs in one statement, each dead letter in its own (they may repeat a job). */
async function writeEntries(pool: pg.Pool, entries: OutboxEntry[]) {
  const runs = entries.filter((e) => e.kind === 'pipeline-run').map((e) => e.row as RunRow);
  if (runs.length) await writeRuns(pool, runs);
  for (const e of entries) if (e.kind === 'dead-letter') await writeDeadLetter(pool, e.row as DeadLetterRow);
}

/**
 * The sinks never throw into a job's outcome: a record PostgreSQL does not take at once goes to the
 * outbox, and the job's own result or failure reason stays what the pipeline made it.
 */
export function createSinks(pool: pg.Pool, redis: Redis, prefix: string, log: Logger, metrics: Metrics): JobSinks & { outbox: Outbox } {
  const outbox = new Outbox(redis, prefix, log, metrics, { write: (entries) => withTimeout(writeEntries(pool, entries), WRITE_TIMEOUT_MS * 2, 'PostgreSQL') });
  // After one failed write, records go straight to the outbox until a drainer finds PostgreSQL back:
  // jobs do not each wait out a timeout against a PostgreSQL that hangs.
  let unavailable = false;
  outbox.onHealthy = () => (unavailable = false);
  const record = async <R>(kind: OutboxEntry['kind'], rows: R[], write: () => Promise<void>) => {
    if (!unavailable) {
      try {
        return await withTimeout(write(), WRITE_TIMEOUT_MS, 'PostgreSQL');
      } catch (err) {
        unavailable = true;
        return outbox.push(rows.map((row) => ({ kind, row })), err);
      }
    }
    return outbox.push(rows.map((row) => ({ kind, row })), undefined);
  };

  // One row per job run is on every job's path: plain SQL (Prisma's per-query cost shows there), rows of
  // concurrent jobs coalesced into one statement. Each job waits for its own row (or its place in the outbox).
  const writeRun = coalesce(async (rows: RunRow[]) => {
    await record('pipeline-run', rows, () => writeRuns(pool, rows));
    return rows.map(() => undefined);
  });
  return {
    outbox,
    async deadLetter(rec) {
      const row: DeadLetterRow = {
        queue: rec.queue, jobId: rec.jobId, jobCreatedAt: rec.jobCreatedAt.getTime(), jobName: rec.jobName, payload: rec.payload ?? null,
        error: `${rec.error.name}: ${rec.error.message}`.slice(0, MAX_ERROR_CHARS), stack: rec.error.stack?.slice(0, MAX_ERROR_CHARS) ?? null,
        attempts: rec.attempts, failedAt: Date.now(),
      };
      await record('dead-letter', [row], () => writeDeadLetter(pool, row));
    },
    pipelineRun: (r) =>
      writeRun({
        queue: r.queue, jobId: r.jobId, jobCreatedAt: r.jobCreatedAt.getTime(), run: r.run, attempt: r.attempt, ok: r.ok,
        startedAt: r.startedAt.getTime(), finishedAt: r.finishedAt.getTime(), counts: r.counts ?? {}, error: r.error?.slice(0, MAX_ERROR_CHARS) ?? null,
      }),
    async scheduleRan(queue, rec) {
      await redis.hset(lastRunKey(prefix), queue, JSON.stringify(rec));
    },
  };
}
