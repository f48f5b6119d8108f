// Where the job wrapper records what happened: dead letters and pipeline runs in PostgreSQL,
// the last run of each schedule in Redis.
import { coalesce } from '../db/coalesce.js';
import type { Executor } from '../db/executor.js';
import { ASYNC_COMMIT, sql } from '../db/sql.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { withTimeout, type RedisClient } from '../redis.js';
import { utc } from '../time.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import type { JobSinks } from './run-job.js';
import { lastRunKey } from './schedules.js';

const MAX_ERROR_CHARS = 8_000;
/** A write PostgreSQL has not answered by then goes to the outbox (if it commits later, the replay is a no-op). */
const WRITE_TIMEOUT_MS = 5_000;
/** Timestamp columns hold UTC without a zone (src/time.ts); the rows carry epoch ms (they are kept as JSON). */
const at = (ms: number) => utc(new Date(ms));

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
async function writeRuns(ex: Executor, rows: RunRow[]) {
  // Bookkeeping, not data: committed without waiting for the WAL flush.
  await ex.execute(sql`
    INSERT INTO pipeline_runs (queue, job_id, job_created_at, run, attempt, status, started_at, finished_at, duration_ms, counts, error)
    SELECT r.* FROM unnest(${rows.map((r) => r.queue)}::text[], ${rows.map((r) => r.jobId)}::text[], ${rows.map((r) => at(r.jobCreatedAt))}::timestamp[],
        ${rows.map((r) => r.run)}::int[], ${rows.map((r) => r.attempt)}::int[], ${rows.map((r) => (r.ok ? 'SUCCEEDED' : 'FAILED'))}::"PipelineRunStatus"[],
        ${rows.map((r) => at(r.startedAt))}::timestamp[], ${rows.map((r) => at(r.finishedAt))}::timestamp[], ${rows.map((r) => r.finishedAt - r.startedAt)}::int[],
        ${rows.map((r) => JSON.stringify(r.counts ?? {}))}::jsonb[], ${rows.map((r) => r.error)}::text[]) AS r
      CROSS JOIN (${ASYNC_COMMIT}) AS async_commit
    ON CONFLICT (queue, job_id, job_created_at, run) DO NOTHING`);
}

/**
 * One row per job. A replay (same failure time) changes nothing; a later failure of the same job (retried
 * through the API, or a final attempt replayed after a crash) replaces an earlier one, never the reverse.
 */
async function writeDeadLetter(ex: Executor, d: DeadLetterRow) {
  await ex.execute(sql`
    INSERT INTO dead_letters (queue, job_id, job_created_at, job_name, payload, error, stack, attempts, failed_at)
    VALUES (${d.queue}, ${d.jobId}, ${at(d.jobCreatedAt)}::timestamp, ${d.jobName}, ${JSON.stringify(d.payload ?? null)}::jsonb, ${d.error}, ${d.stack}, ${d.attempts}, ${at(d.failedAt)}::timestamp)
    ON CONFLICT (queue, job_id, job_created_at) DO UPDATE SET
      job_name = excluded.job_name, payload = excluded.payload, error = excluded.error, stack = excluded.stack,
      attempts = excluded.attempts, failed_at = excluded.failed_at, redriven_at = NULL, redrive_job_id = NULL
    WHERE dead_letters.failed_at < excluded.failed_at`);
}

/** Writes kept entries: the runs in one statement, each dead letter in its own (they may repeat a job). */
async function writeEntries(ex: Executor, entries: OutboxEntry[]) {
  const runs = entries.filter((e) => e.kind === 'pipeline-run').map((e) => e.row as RunRow);
  if (runs.length) await writeRuns(ex, runs);
  for (const e of entries) if (e.kind === 'dead-letter') await writeDeadLetter(ex, e.row as DeadLetterRow);
}

/**
 * The sinks never throw into a job's outcome: a record PostgreSQL does not take at once goes to the
 * outbox, and the job's own result or failure reason stays what the pipeline made it.
 */
export function createSinks(main: Executor, redis: RedisClient, prefix: string, log: Logger, metrics: Metrics): JobSinks & { outbox: Outbox } {
  const outbox = new Outbox(redis, prefix, log, metrics, { write: (entries) => withTimeout(writeEntries(main, entries), WRITE_TIMEOUT_MS * 2, 'PostgreSQL') });
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
    await record('pipeline-run', rows, () => writeRuns(main, rows));
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
      await record('dead-letter', [row], () => writeDeadLetter(main, row));
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
