-- BullMQ job ids start again after Redis loses its data: a job's records are keyed by its id plus its
-- creation time, and each run of a job (a re-run after a crash keeps its attempt) gets its own row.
-- Rows written before this migration get the best values known: the first run's start (or the failure
-- time) as the creation time, and their attempt as their run.

-- DropIndex
DROP INDEX "dead_letters_queue_job_id_key";

-- DropIndex
DROP INDEX "pipeline_runs_queue_job_id_attempt_key";

-- AlterTable
ALTER TABLE "pipeline_runs" ADD COLUMN     "job_created_at" TIMESTAMP(3),
ADD COLUMN     "run" INTEGER;

UPDATE "pipeline_runs" AS p SET "run" = p."attempt", "job_created_at" = f."first_start"
  FROM (SELECT "queue", "job_id", MIN("started_at") AS "first_start" FROM "pipeline_runs" GROUP BY "queue", "job_id") AS f
  WHERE f."queue" = p."queue" AND f."job_id" = p."job_id";

ALTER TABLE "pipeline_runs" ALTER COLUMN "job_created_at" SET NOT NULL,
ALTER COLUMN "run" SET NOT NULL;

-- AlterTable
ALTER TABLE "dead_letters" ADD COLUMN     "job_created_at" TIMESTAMP(3);

UPDATE "dead_letters" AS d SET "job_created_at" = COALESCE(
  (SELECT MIN(p."started_at") FROM "pipeline_runs" AS p WHERE p."queue" = d."queue" AND p."job_id" = d."job_id"),
  d."failed_at");

ALTER TABLE "dead_letters" ALTER COLUMN "job_created_at" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "dead_letters_queue_job_id_job_created_at_key" ON "dead_letters"("queue", "job_id", "job_created_at");

-- CreateIndex
CREATE UNIQUE INDEX "pipeline_runs_queue_job_id_job_created_at_run_key" ON "pipeline_runs"("queue", "job_id", "job_created_at", "run");
