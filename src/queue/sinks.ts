// Where the job wrapper records what happened: dead letters and pipeline runs in PostgreSQL,
// the last run of each schedule in Redis.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import { coalesce } from '../db/coalesce.js';
import { ASYNC_COMMIT } from '../db/sql.js';
import type { JobSinks, PipelineRunRecord } from './run-job.js';
import { lastRunKey } from './schedules.js';

const MAX_ERROR_CHARS = 8_000;
const utc = (d: Date) => d.toISOString().slice(0, -1); // timestamp columns hold UTC without a zone

export function createSinks(db: Db, pool: pg.Pool, redis: Redis, prefix: string): JobSinks {
  // One row per job attempt is on every job's path: plain SQL (Prisma's per-query cost shows there),
  // rows of concurrent jobs coalesced into one statement, committed without waiting for the WAL flush
  // (bookkeeping, not data). Each job still waits for its own row.
  const writeRun = coalesce(async (recs: PipelineRunRecord[]) => {
    await pool.query(
      `INSERT INTO pipeline_runs (queue, job_id, attempt, status, started_at, finished_at, duration_ms, counts, error)
       SELECT r.* FROM unnest($1::text[], $2::text[], $3::int[], $4::"PipelineRunStatus"[], $5::timestamp[], $6::timestamp[], $7::int[], $8::jsonb[], $9::text[]) AS r
         CROSS JOIN (${ASYNC_COMMIT}) AS async_commit
       ON CONFLICT (queue, job_id, attempt) DO NOTHING`,
      [
        recs.map((r) => r.queue), recs.map((r) => r.jobId), recs.map((r) => r.attempt), recs.map((r) => (r.ok ? 'SUCCEEDED' : 'FAILED')),
        recs.map((r) => utc(r.startedAt)), recs.map((r) => utc(r.finishedAt)), recs.map((r) => r.finishedAt.getTime() - r.startedAt.getTime()),
        recs.map((r) => JSON.stringify(r.counts ?? {})), recs.map((r) => r.error?.slice(0, MAX_ERROR_CHARS) ?? null),
      ],
    );
    return recs.map(() => undefined);
  });
  return {
    async deadLetter(rec) {
      const data = {
        jobName: rec.jobName,
        payload: (rec.payload ?? null) as object,
        error: `${rec.error.name}: ${rec.error.message}`.slice(0, MAX_ERROR_CHARS),
        stack: rec.error.stack?.slice(0, MAX_ERROR_CHARS) ?? null,
        attempts: rec.attempts,
        failedAt: new Date(),
      };
      // Upsert: a crash between this write and BullMQ's own bookkeeping replays the final attempt.
      await db.deadLetter.upsert({
        where: { queue_jobId: { queue: rec.queue, jobId: rec.jobId } },
        create: { queue: rec.queue, jobId: rec.jobId, ...data },
        update: { ...data, redrivenAt: null, redriveJobId: null },
      });
    },
    pipelineRun: (rec) => writeRun(rec),
    async scheduleRan(queue, rec) {
      await redis.hset(lastRunKey(prefix), queue, JSON.stringify(rec));
    },
  };
}
