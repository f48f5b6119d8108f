// Where the job wrapper records what happened: dead letters and pipeline runs in PostgreSQL,
// the last run of each schedule in Redis.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/sql.js';
import type { JobSinks } from './run-job.js';
import { lastRunKey } from './schedules.js';

const MAX_ERROR_CHARS = 8_000;
const utc = (d: Date) => d.toISOString().slice(0, -1); // timestamp columns hold UTC without a zone

export function createSinks(db: Db, pool: pg.Pool, redis: Redis, prefix: string): JobSinks {
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
    async pipelineRun(rec) {
      // Plain SQL: one row per job attempt is on every job's path, where Prisma's per-query cost shows.
      // Bookkeeping, not data: it need not wait for the WAL flush.
      await inTransaction(pool, (tx) => tx.$executeRawUnsafe(
        `INSERT INTO pipeline_runs (queue, job_id, attempt, status, started_at, finished_at, duration_ms, counts, error)
         VALUES ($1, $2, $3, $4::"PipelineRunStatus", $5::timestamp, $6::timestamp, $7, $8::jsonb, $9)
         ON CONFLICT (queue, job_id, attempt) DO NOTHING`,
        rec.queue, rec.jobId, rec.attempt, rec.ok ? 'SUCCEEDED' : 'FAILED', utc(rec.startedAt), utc(rec.finishedAt),
        rec.finishedAt.getTime() - rec.startedAt.getTime(), JSON.stringify(rec.counts ?? {}), rec.error?.slice(0, MAX_ERROR_CHARS) ?? null,
      ), { durable: false });
    },
    async scheduleRan(queue, rec) {
      await redis.hset(lastRunKey(prefix), queue, JSON.stringify(rec));
    },
  };
}
