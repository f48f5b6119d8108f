// Where the job wrapper records what happened: dead letters and pipeline runs in PostgreSQL,
// the last run of each schedule in Redis.
import type { Redis } from 'ioredis';
import type { Db } from '../db/client.js';
import type { JobSinks } from './run-job.js';
import { lastRunKey } from './schedules.js';

const MAX_ERROR_CHARS = 8_000;

export function createSinks(db: Db, redis: Redis, prefix: string): JobSinks {
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
      await db.pipelineRun.upsert({
        where: { queue_jobId_attempt: { queue: rec.queue, jobId: rec.jobId, attempt: rec.attempt } },
        create: {
          queue: rec.queue, jobId: rec.jobId, attempt: rec.attempt, status: rec.ok ? 'SUCCEEDED' : 'FAILED',
          startedAt: rec.startedAt, finishedAt: rec.finishedAt, durationMs: rec.finishedAt.getTime() - rec.startedAt.getTime(),
          counts: (rec.counts ?? {}) as object, error: rec.error?.slice(0, MAX_ERROR_CHARS) ?? null,
        },
        update: {},
      });
    },
    async scheduleRan(queue, rec) {
      await redis.hset(lastRunKey(prefix), queue, JSON.stringify(rec));
    },
  };
}
