-- CreateEnum
CREATE TYPE "WeatherSource" AS ENUM ('FORECAST', 'ARCHIVE');

-- CreateEnum
CREATE TYPE "ModelSource" AS ENUM ('ML_SERVICE', 'BASELINE');

-- CreateEnum
CREATE TYPE "ModelStage" AS ENUM ('CANDIDATE', 'ACTIVE', 'RETIRED', 'ROLLED_BACK');

-- CreateEnum
CREATE TYPE "Outcome" AS ENUM ('HOME', 'DRAW', 'AWAY');

-- CreateEnum
CREATE TYPE "TrainingStatus" AS ENUM ('STARTING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'GAVE_UP');

-- AlterTable
ALTER TABLE "matches" ADD COLUMN     "officials" JSONB;

-- CreateTable
CREATE TABLE "quarantined_records" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "record_key" TEXT NOT NULL,
    "raw" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "first_seen" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "count" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "quarantined_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "raw_payloads" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "fetched_at" TIMESTAMP(3) NOT NULL,
    "body" BYTEA NOT NULL,
    "size_bytes" INTEGER NOT NULL,

    CONSTRAINT "raw_payloads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fetch_cursors" (
    "source" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "etag" TEXT,
    "last_modified" TEXT,
    "content_hash" TEXT,
    "last_fetched_at" TIMESTAMP(3) NOT NULL,
    "last_changed_at" TIMESTAMP(3),

    CONSTRAINT "fetch_cursors_pkey" PRIMARY KEY ("source","request_key")
);

-- CreateTable
CREATE TABLE "match_team_stats" (
    "match_id" INTEGER NOT NULL,
    "team_id" INTEGER NOT NULL,
    "stats" JSONB NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "match_team_stats_pkey" PRIMARY KEY ("match_id","team_id")
);

-- CreateTable
CREATE TABLE "lineups" (
    "match_id" INTEGER NOT NULL,
    "team_id" INTEGER NOT NULL,
    "formation" TEXT,
    "starters" JSONB NOT NULL,
    "substitutes" JSONB NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "lineups_pkey" PRIMARY KEY ("match_id","team_id")
);

-- CreateTable
CREATE TABLE "match_key_events" (
    "id" BIGSERIAL NOT NULL,
    "match_id" INTEGER NOT NULL,
    "event_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "period" INTEGER,
    "minute" INTEGER,
    "minute_added" INTEGER,
    "team_id" INTEGER,
    "athletes" JSONB NOT NULL,
    "text" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "match_key_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "weather_forecasts" (
    "id" BIGSERIAL NOT NULL,
    "match_id" INTEGER NOT NULL,
    "source" "WeatherSource" NOT NULL,
    "issued_at" TIMESTAMP(3) NOT NULL,
    "forecast_for" TIMESTAMP(3) NOT NULL,
    "temperature_c" DOUBLE PRECISION,
    "precipitation_mm" DOUBLE PRECISION,
    "precipitation_probability_pct" DOUBLE PRECISION,
    "wind_speed_ms" DOUBLE PRECISION,
    "wind_gusts_ms" DOUBLE PRECISION,
    "relative_humidity_pct" DOUBLE PRECISION,
    "weather_code" INTEGER,

    CONSTRAINT "weather_forecasts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "articles" (
    "id" SERIAL NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_id" TEXT,
    "link" TEXT NOT NULL,
    "headline" TEXT NOT NULL,
    "description" TEXT,
    "published" TIMESTAMP(3),
    "image" TEXT,
    "flags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "articles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "article_teams" (
    "article_id" INTEGER NOT NULL,
    "team_id" INTEGER NOT NULL,

    CONSTRAINT "article_teams_pkey" PRIMARY KEY ("article_id","team_id")
);

-- CreateTable
CREATE TABLE "article_matches" (
    "article_id" INTEGER NOT NULL,
    "match_id" INTEGER NOT NULL,

    CONSTRAINT "article_matches_pkey" PRIMARY KEY ("article_id","match_id")
);

-- CreateTable
CREATE TABLE "match_domain_events" (
    "id" BIGSERIAL NOT NULL,
    "match_id" INTEGER NOT NULL,
    "event_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMP(3),

    CONSTRAINT "match_domain_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_versions" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "source" "ModelSource" NOT NULL,
    "stage" "ModelStage" NOT NULL DEFAULT 'CANDIDATE',
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "params" JSONB,
    "trained_from" TIMESTAMP(3),
    "trained_to" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "promoted_at" TIMESTAMP(3),
    "retired_at" TIMESTAMP(3),

    CONSTRAINT "model_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "predictions" (
    "id" BIGSERIAL NOT NULL,
    "match_id" INTEGER NOT NULL,
    "model_version_id" INTEGER NOT NULL,
    "run_key" TEXT NOT NULL,
    "p_home" DOUBLE PRECISION NOT NULL,
    "p_draw" DOUBLE PRECISION NOT NULL,
    "p_away" DOUBLE PRECISION NOT NULL,
    "xg_home" DOUBLE PRECISION,
    "xg_away" DOUBLE PRECISION,
    "predicted_outcome" "Outcome" NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "confidence_level" TEXT NOT NULL,
    "most_likely_home" INTEGER,
    "most_likely_away" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "predictions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prediction_errors" (
    "id" BIGSERIAL NOT NULL,
    "run_key" TEXT NOT NULL,
    "match_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "retryable" BOOLEAN NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prediction_errors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "training_runs" (
    "id" SERIAL NOT NULL,
    "job_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "service_job_id" TEXT,
    "status" "TrainingStatus" NOT NULL DEFAULT 'STARTING',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "model_version_id" INTEGER,
    "error" TEXT,
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "training_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "quarantined_records_last_seen_idx" ON "quarantined_records"("last_seen");

-- CreateIndex
CREATE UNIQUE INDEX "quarantined_records_source_record_key_key" ON "quarantined_records"("source", "record_key");

-- CreateIndex
CREATE INDEX "raw_payloads_source_fetched_at_idx" ON "raw_payloads"("source", "fetched_at");

-- CreateIndex
CREATE UNIQUE INDEX "raw_payloads_source_request_key_content_hash_key" ON "raw_payloads"("source", "request_key", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "match_key_events_match_id_event_key_key" ON "match_key_events"("match_id", "event_key");

-- CreateIndex
CREATE INDEX "weather_forecasts_match_id_issued_at_idx" ON "weather_forecasts"("match_id", "issued_at");

-- CreateIndex
CREATE UNIQUE INDEX "weather_forecasts_match_id_source_issued_at_key" ON "weather_forecasts"("match_id", "source", "issued_at");

-- CreateIndex
CREATE UNIQUE INDEX "articles_link_key" ON "articles"("link");

-- CreateIndex
CREATE INDEX "articles_published_idx" ON "articles"("published");

-- CreateIndex
CREATE INDEX "match_domain_events_published_at_idx" ON "match_domain_events"("published_at");

-- CreateIndex
CREATE UNIQUE INDEX "match_domain_events_match_id_event_key_key" ON "match_domain_events"("match_id", "event_key");

-- CreateIndex
CREATE INDEX "model_versions_source_stage_idx" ON "model_versions"("source", "stage");

-- CreateIndex
CREATE UNIQUE INDEX "model_versions_source_version_key" ON "model_versions"("source", "version");

-- CreateIndex
CREATE INDEX "predictions_match_id_created_at_idx" ON "predictions"("match_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "predictions_match_id_model_version_id_run_key_key" ON "predictions"("match_id", "model_version_id", "run_key");

-- CreateIndex
CREATE UNIQUE INDEX "prediction_errors_run_key_match_id_key" ON "prediction_errors"("run_key", "match_id");

-- CreateIndex
CREATE UNIQUE INDEX "training_runs_job_id_key" ON "training_runs"("job_id");

-- AddForeignKey
ALTER TABLE "match_team_stats" ADD CONSTRAINT "match_team_stats_match_id_fkey" FOREIGN KEY ("match_id") REFERENCES "matches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lineups" ADD CONSTRAINT "lineups_match_id_fkey" FOREIGN KEY ("match_id") REFERENCES "matches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "match_key_events" ADD CONSTRAINT "match_key_events_match_id_fkey" FOREIGN KEY ("match_id") REFERENCES "matches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "weather_forecasts" ADD CONSTRAINT "weather_forecasts_match_id_fkey" FOREIGN KEY ("match_id") REFERENCES "matches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_teams" ADD CONSTRAINT "article_teams_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_teams" ADD CONSTRAINT "article_teams_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_matches" ADD CONSTRAINT "article_matches_article_id_fkey" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "article_matches" ADD CONSTRAINT "article_matches_match_id_fkey" FOREIGN KEY ("match_id") REFERENCES "matches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_match_id_fkey" FOREIGN KEY ("match_id") REFERENCES "matches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_version_id_fkey" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
