-- DropForeignKey
ALTER TABLE "agent_events" DROP CONSTRAINT "agent_events_agent_id_fkey";

-- DropForeignKey
ALTER TABLE "agent_events" DROP CONSTRAINT "agent_events_task_id_fkey";
