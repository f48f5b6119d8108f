-- prediction_scores: the four reliability bins become one grouping column (cell, with the outcome, the
-- arg-max outcome and which yardsticks are stored), and the columns the accuracy recomputation reads come
-- first. PostgreSQL cannot reorder columns, so the table is rebuilt and its rows carried over, the cell
-- computed from the stored bins, outcome, probabilities and yardstick scores (the same value score.ts
-- writes). A yardstick's log loss and hit are cleared where it has no forecast (its RPS is null): they
-- were scored as if it had given the match's outcome probability 0 (log loss ln(1e-15)) and predicted an
-- away win.

-- CreateTable
CREATE TABLE "prediction_scores_rebuilt" (
    "model_version_id" INTEGER NOT NULL,
    "competition_id" INTEGER NOT NULL,
    "kickoff" TIMESTAMP(3) NOT NULL,
    "cell" INTEGER NOT NULL,
    "p_home" DOUBLE PRECISION,
    "p_draw" DOUBLE PRECISION,
    "p_away" DOUBLE PRECISION,
    "rps" DOUBLE PRECISION,
    "brier" DOUBLE PRECISION,
    "log_loss" DOUBLE PRECISION,
    "ref_rps" DOUBLE PRECISION,
    "ref_brier" DOUBLE PRECISION,
    "ref_log_loss" DOUBLE PRECISION,
    "ref_hit" INTEGER,
    "base_rps" DOUBLE PRECISION,
    "base_brier" DOUBLE PRECISION,
    "base_log_loss" DOUBLE PRECISION,
    "base_hit" INTEGER,
    "season" TEXT,
    "match_id" INTEGER NOT NULL,
    "hit" INTEGER,
    "outcome" INTEGER NOT NULL,
    "valid" BOOLEAN NOT NULL,
    "scored_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "prediction_scores_rebuilt_pkey" PRIMARY KEY ("model_version_id","match_id")
);

-- CopyRows
INSERT INTO "prediction_scores_rebuilt" ("model_version_id", "competition_id", "kickoff", "cell", "p_home", "p_draw", "p_away",
    "rps", "brier", "log_loss", "ref_rps", "ref_brier", "ref_log_loss", "ref_hit", "base_rps", "base_brier", "base_log_loss", "base_hit",
    "season", "match_id", "hit", "outcome", "valid", "scored_at")
SELECT "model_version_id", "competition_id", "kickoff",
    CASE WHEN "valid" THEN 1000 * (12 * "outcome" + 4 * a.argmax + 2 * ("ref_rps" IS NOT NULL)::int + ("base_rps" IS NOT NULL)::int)
      + 100 * "bin_home" + 10 * "bin_draw" + "bin_away" ELSE -1 END,
    "p_home", "p_draw", "p_away", "rps", "brier", "log_loss", "ref_rps", "ref_brier",
    CASE WHEN "ref_rps" IS NOT NULL THEN "ref_log_loss" END, CASE WHEN "ref_rps" IS NOT NULL THEN "ref_hit" END, "base_rps", "base_brier",
    CASE WHEN "base_rps" IS NOT NULL THEN "base_log_loss" END, CASE WHEN "base_rps" IS NOT NULL THEN "base_hit" END,
    "season", "match_id", "hit", "outcome", "valid", "scored_at"
FROM "prediction_scores"
CROSS JOIN LATERAL (SELECT CASE WHEN "p_home" >= "p_draw" AND "p_home" >= "p_away" THEN 0 WHEN "p_draw" >= "p_away" THEN 1 ELSE 2 END AS argmax) a;

-- DropTable
DROP TABLE "prediction_scores";

-- RenameTable
ALTER TABLE "prediction_scores_rebuilt" RENAME TO "prediction_scores";
ALTER TABLE "prediction_scores" RENAME CONSTRAINT "prediction_scores_rebuilt_pkey" TO "prediction_scores_pkey";

-- CreateIndex
CREATE INDEX "prediction_scores_match_id_idx" ON "prediction_scores"("match_id");
