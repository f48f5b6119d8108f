-- DropIndex
DROP INDEX "agent_tasks_agent_id_finished_at_idx";

-- DropIndex
DROP INDEX "agent_tasks_agent_id_status_idx";

-- DropIndex
DROP INDEX "agent_tasks_agent_os_run_id_idx";

-- DropIndex
DROP INDEX "agent_tasks_request_key_key";

-- DropIndex
DROP INDEX "agent_tasks_workflow_run_id_step_key_key";

-- CreateIndex
CREATE INDEX "agent_tasks_active_idx" ON "agent_tasks"("agent_id", "status") WHERE (status = ANY (ARRAY['PENDING'::"TaskStatus", 'QUEUED'::"TaskStatus", 'RUNNING'::"TaskStatus"]));

-- CreateIndex
CREATE INDEX "agent_tasks_waiting_idx" ON "agent_tasks"("id") WHERE (status = ANY (ARRAY['PENDING'::"TaskStatus", 'QUEUED'::"TaskStatus"]));

-- CreateIndex
CREATE INDEX "agent_tasks_agent_id_finished_at_idx" ON "agent_tasks"("agent_id", "finished_at") WHERE (finished_at IS NOT NULL);

-- CreateIndex
CREATE INDEX "agent_tasks_agent_os_run_id_idx" ON "agent_tasks"("agent_os_run_id") WHERE (agent_os_run_id IS NOT NULL);

-- CreateIndex
CREATE UNIQUE INDEX "agent_tasks_request_key_key" ON "agent_tasks"("request_key") WHERE (request_key IS NOT NULL);

-- CreateIndex
CREATE UNIQUE INDEX "agent_tasks_workflow_run_id_step_key_key" ON "agent_tasks"("workflow_run_id", "step_key") WHERE (workflow_run_id IS NOT NULL);
