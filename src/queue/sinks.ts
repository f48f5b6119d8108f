// Where the job wrapper records what happened: dead letters and pipeline runs in PostgreSQL,
// the last run of each schedule in Redis.
import type { Redis } from 'ioredis';
import type { Db } from '../db/client.js';
import { coalesce } from '../db/coalesce.js';
import type { Executor } from '../db/executor.js';
import { ASYNC_COMMIT, sql } from '../db/sql.js';
import { utc } from '../time.js';
import type { JobSinks, PipelineRunRecord } from './run-job.js';
import { lastRunKey } from './schedules.js';

const MAX_ERROR_CHARS = 8_000;

export function createSinks(db: Db, main: Executor, redis: Redis, prefix: string): JobSinks {
  // One row per job attempt is on every job's path: plain SQL (Prisma's per-query cost shows there),
  // rows of concurrent jobs coalesced into one statement, committed without waiting for the WAL flush
  // (bookkeeping, not data). Each job still waits for its own row.
  const writeRun = coalesce(async (recs: PipelineRunRecord[]) => {
    await main.execute(sql`
      INSERT INTO pipeline_runs (queue, job_id, attempt, status, started_at, finished_at, duration_ms, counts, error)
      SELECT r.* FROM unnest(${recs.map((r) => r.queue)}::text[], ${recs.map((r) => r.jobId)}::text[], ${recs.map((r) => r.attempt)}::int[],
          ${recs.map((r) => (r.ok ? 'SUCCEEDED' : 'FAILED'))}::"PipelineRunStatus"[],
          ${recs.map((r) => utc(r.startedAt))}::timestamp[], ${recs.map((r) => utc(r.finishedAt))}::timestamp[],
          ${recs.map((r) => r.finishedAt.getTime() - r.startedAt.getTime())}::int[],
          ${recs.map((r) => JSON.stringify(r.counts ?? {}))}::jsonb[], ${recs.map((r) => r.error?.slice(0, MAX_ERROR_CHARS) ?? null)}::text[]) AS r
        CROSS JOIN (${ASYNC_COMMIT}) AS async_commit
      ON CONFLICT (queue, job_id, attempt) DO NOTHING`);
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
