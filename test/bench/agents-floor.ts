// The floor of the agents bench: the least work per task the agents issue asks for, written straight on
// the primitives with nothing of the agents module: a prioritised job on its own queue, a bare lease
// (holders expire, at most `limit`, no waiting line, no cached limit), the task's start and end with
// their two event rows, its two updates published with the lease's release. No agent status, job
// generation or attempt checks, no metrics, no task view in the messages, no deadline, no retries.
//
// Three shapes of it, each measured against the engine's no-op jobs like the agent tasks:
// - `apart`: the start is written (and committed, without waiting for the flush) before the task's work,
//   its end after: what a task with external effects needs, so that a cancel or another replica finds
//   it running and a crash never runs its effects twice;
// - `one`: start and end in one statement after the work: only a task that has no effects at all could
//   be written so;
// - `none`: no database at all (the job, the lease and the updates): what any design pays before it
//   writes a row.
// None of them is a way to run agent tasks: they show how high the ratio can go on the machine at hand.
import { z } from 'zod';
import { coalesce } from '../../src/db/coalesce.js';
import type { Executor } from '../../src/db/executor.js';
import { ASYNC_COMMIT, sql } from '../../src/db/sql.js';
import type { EngineDeps } from '../../src/engine.js';
import { defineQueue } from '../../src/queue/define.js';
import { luaScript } from '../../src/queue/lease.js';
import { BULL_PRIORITY } from '../../pipelines/_agents/schemas.js';
import { retention } from './support.js';

export type FloorShape = 'apart' | 'one' | 'none';

const TAKE = luaScript(`local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + 120000, ARGV[1])
redis.call('PEXPIRE', KEYS[1], 240000)
return 1`);
const GIVE = luaScript(`redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, #ARGV do redis.call('PUBLISH', KEYS[2], ARGV[i]) end
return 1`);

type Row = { id: number; agentId: number } | null;
const byId = (rows: Array<{ id: number; agentId: number }>, ids: number[]) => {
  const m = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => m.get(id) ?? null);
};

function statements(ex: Executor) {
  const start = coalesce(async (ids: number[]) => byId(await ex.query(sql`
    WITH moved AS (
      UPDATE agent_tasks t SET status = 'RUNNING', started_at = now(), attempts = 1 FROM (${ASYNC_COMMIT}) AS async_commit
      WHERE t.id = ANY(${ids}::int[]) AND t.status = 'QUEUED' RETURNING t.id, t.agent_id AS "agentId"
    ), ev AS (INSERT INTO agent_events (agent_id, task_id, type, severity, message) SELECT "agentId", id, 'task.running', 'INFO', 'task running' FROM moved)
    SELECT * FROM moved`, { prepare: 'floor-start' }), ids));
  const end = coalesce(async (ids: number[]) => byId(await ex.query(sql`
    WITH moved AS (
      UPDATE agent_tasks t SET status = 'COMPLETED', finished_at = now() WHERE t.id = ANY(${ids}::int[]) AND t.status = 'RUNNING' RETURNING t.id, t.agent_id AS "agentId"
    ), ev AS (INSERT INTO agent_events (agent_id, task_id, type, severity, message) SELECT "agentId", id, 'task.completed', 'INFO', 'task completed' FROM moved)
    SELECT * FROM moved`, { prepare: 'floor-end' }), ids));
  const both = coalesce(async (ids: number[]) => byId(await ex.query(sql`
    WITH moved AS (
      UPDATE agent_tasks t SET status = 'COMPLETED', started_at = now(), finished_at = now(), attempts = 1
      WHERE t.id = ANY(${ids}::int[]) AND t.status = 'QUEUED' RETURNING t.id, t.agent_id AS "agentId"
    ), ev AS (
      INSERT INTO agent_events (agent_id, task_id, type, severity, message)
      SELECT "agentId", id, v.type, 'INFO', v.type FROM moved CROSS JOIN (VALUES ('task.running'), ('task.completed')) AS v(type)
    )
    SELECT * FROM moved`, { prepare: 'floor-both' }), ids));
  return { start, end, both };
}

/** The floor's queue, for one engine: its statements belong to that engine's pool. */
export function floorQueue(shape: FloorShape) {
  let s: ReturnType<typeof statements> | undefined;
  return defineQueue({
    name: `bench-agent-floor-${shape}`,
    description: 'the least work per agent task (bench only)',
    payload: z.object({ taskId: z.number().int(), agentId: z.number().int(), limit: z.number().int() }),
    retry: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
    timeoutMs: 30_000,
    concurrency: 50,
    retention,
    handler: async () => async (p: { taskId: number; agentId: number; limit: number }, ctx: { deps: EngineDeps }) => {
      const d = ctx.deps;
      s ??= statements(d.sql);
      const lease = `${d.config.QUEUE_PREFIX}:floor:${p.agentId}`;
      while (!(await TAKE(d.redisBatched, [lease], [String(p.taskId), p.limit]))) await new Promise((r) => setTimeout(r, 5));
      let row: Row;
      if (shape === 'apart') {
        if (!(await s.start(p.taskId))) throw new Error(`task ${p.taskId} was not queued`);
        row = await s.end(p.taskId);
      } else if (shape === 'one') {
        row = await s.both(p.taskId);
      } else {
        row = { id: p.taskId, agentId: p.agentId };
      }
      if (!row) throw new Error(`task ${p.taskId} did not end`);
      const at = new Date().toISOString();
      const message = (status: string) => JSON.stringify({ version: 1, event: 'agentTaskUpdate', agentId: String(p.agentId), at, data: { id: String(p.taskId), status } });
      void GIVE(d.redisBatched, [lease, `${d.config.QUEUE_PREFIX}:agents:events`], [String(p.taskId), message('RUNNING'), message('COMPLETED')]).catch(() => {});
      return null;
    },
  });
}

export const floorJob = (t: { id: number; agentId: number }, limit: number) => ({ payload: { taskId: t.id, agentId: t.agentId, limit }, jobId: `t${t.id}`, priority: BULL_PRIORITY.MEDIUM });
