-- AlterTable
ALTER TABLE "matches" ADD COLUMN     "state_at" TIMESTAMP(3);

-- Matches loaded before this column existed: their state is as of their last change, so a payload
-- archived before that (a replay) cannot move it back.
UPDATE "matches" SET "state_at" = "updated_at" WHERE "state_at" IS NULL;
