-- AlterEnum
ALTER TYPE "ModelSource" ADD VALUE 'REFERENCE';

-- AlterTable
ALTER TABLE "predictions" ADD COLUMN     "ab_arm" TEXT,
ADD COLUMN     "ab_test_id" INTEGER,
ADD COLUMN     "features" JSONB;

-- CreateTable
CREATE TABLE "model_stats" (
    "id" BIGSERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "league" TEXT NOT NULL,
    "window" TEXT NOT NULL,
    "computed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "window_from" TIMESTAMP(3),
    "n" INTEGER NOT NULL,
    "invalid" INTEGER NOT NULL DEFAULT 0,
    "accuracy" DOUBLE PRECISION,
    "brier" DOUBLE PRECISION,
    "log_loss" DOUBLE PRECISION,
    "rps" DOUBLE PRECISION,
    "ece" DOUBLE PRECISION,
    "mce" DOUBLE PRECISION,
    "reliability" JSONB NOT NULL DEFAULT '{}',
    "yardsticks" JSONB NOT NULL DEFAULT '{}',
    "trigger" TEXT NOT NULL DEFAULT 'full',

    CONSTRAINT "model_stats_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "drift_checks" (
    "id" BIGSERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "checked_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reference_from" TIMESTAMP(3) NOT NULL,
    "reference_to" TIMESTAMP(3) NOT NULL,
    "current_from" TIMESTAMP(3) NOT NULL,
    "current_to" TIMESTAMP(3) NOT NULL,
    "results" JSONB NOT NULL,

    CONSTRAINT "drift_checks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "drift_alerts" (
    "id" SERIAL NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "feature" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "statistic" DOUBLE PRECISION NOT NULL,
    "p_value" DOUBLE PRECISION,
    "severity" TEXT NOT NULL,
    "reference_from" TIMESTAMP(3) NOT NULL,
    "reference_to" TIMESTAMP(3) NOT NULL,
    "current_from" TIMESTAMP(3) NOT NULL,
    "current_to" TIMESTAMP(3) NOT NULL,
    "n_reference" INTEGER NOT NULL,
    "n_current" INTEGER NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "open_key" TEXT,
    "opened_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),
    "resolved_by" TEXT,
    "retrain_job_id" TEXT,

    CONSTRAINT "drift_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ab_tests" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "control_version_id" INTEGER NOT NULL,
    "treatment_version_id" INTEGER NOT NULL,
    "split" DOUBLE PRECISION NOT NULL,
    "metric" TEXT NOT NULL DEFAULT 'rps',
    "min_sample" INTEGER NOT NULL DEFAULT 150,
    "max_duration_days" INTEGER NOT NULL DEFAULT 90,
    "alpha" DOUBLE PRECISION NOT NULL DEFAULT 0.05,
    "n_star" INTEGER NOT NULL DEFAULT 1000,
    "leagues" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "auto_promote" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "decision" TEXT,
    "winner_version_id" INTEGER,
    "sequential_p" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "last_evaluation" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "ab_tests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ab_test_matches" (
    "ab_test_id" INTEGER NOT NULL,
    "match_id" INTEGER NOT NULL,
    "arm" TEXT NOT NULL,
    "kickoff" TIMESTAMP(3) NOT NULL,
    "control_loss" DOUBLE PRECISION NOT NULL,
    "treatment_loss" DOUBLE PRECISION NOT NULL,
    "evaluated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ab_test_matches_pkey" PRIMARY KEY ("ab_test_id","match_id")
);

-- CreateTable
CREATE TABLE "prediction_scores" (
    "model_version_id" INTEGER NOT NULL,
    "match_id" INTEGER NOT NULL,
    "competition_id" INTEGER NOT NULL,
    "kickoff" TIMESTAMP(3) NOT NULL,
    "season" TEXT,
    "outcome" INTEGER NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "p_home" DOUBLE PRECISION,
    "p_draw" DOUBLE PRECISION,
    "p_away" DOUBLE PRECISION,
    "rps" DOUBLE PRECISION,
    "brier" DOUBLE PRECISION,
    "log_loss" DOUBLE PRECISION,
    "hit" INTEGER,
    "bin_top" SMALLINT NOT NULL DEFAULT -1,
    "bin_home" SMALLINT NOT NULL DEFAULT -1,
    "bin_draw" SMALLINT NOT NULL DEFAULT -1,
    "bin_away" SMALLINT NOT NULL DEFAULT -1,
    "ref_rps" DOUBLE PRECISION,
    "ref_brier" DOUBLE PRECISION,
    "ref_log_loss" DOUBLE PRECISION,
    "ref_hit" INTEGER,
    "base_rps" DOUBLE PRECISION,
    "base_brier" DOUBLE PRECISION,
    "base_log_loss" DOUBLE PRECISION,
    "base_hit" INTEGER,
    "scored_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prediction_scores_pkey" PRIMARY KEY ("model_version_id","match_id")
);

-- CreateIndex
CREATE INDEX "model_stats_model_version_id_league_window_computed_at_idx" ON "model_stats"("model_version_id", "league", "window", "computed_at");

-- CreateIndex
CREATE INDEX "model_stats_computed_at_idx" ON "model_stats"("computed_at");

-- CreateIndex
CREATE INDEX "drift_checks_model_version_id_checked_at_idx" ON "drift_checks"("model_version_id", "checked_at");

-- CreateIndex
CREATE UNIQUE INDEX "drift_alerts_open_key_key" ON "drift_alerts"("open_key");

-- CreateIndex
CREATE INDEX "drift_alerts_model_version_id_opened_at_idx" ON "drift_alerts"("model_version_id", "opened_at");

-- CreateIndex
CREATE INDEX "drift_alerts_resolved_at_idx" ON "drift_alerts"("resolved_at");

-- CreateIndex
CREATE INDEX "ab_tests_status_idx" ON "ab_tests"("status");

-- CreateIndex
CREATE INDEX "ab_test_matches_ab_test_id_kickoff_idx" ON "ab_test_matches"("ab_test_id", "kickoff");

-- CreateIndex
CREATE INDEX "prediction_scores_match_id_idx" ON "prediction_scores"("match_id");

-- CreateIndex
CREATE INDEX "predictions_model_version_id_match_id_idx" ON "predictions"("model_version_id", "match_id");

-- AddForeignKey
ALTER TABLE "ab_test_matches" ADD CONSTRAINT "ab_test_matches_ab_test_id_fkey" FOREIGN KEY ("ab_test_id") REFERENCES "ab_tests"("id") ON DELETE CASCADE ON UPDATE CASCADE;
