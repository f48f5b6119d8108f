// agent-commands: one tick of the command stream consumer. Steps: make sure the consumer group exists →
// take over entries another consumer left pending too long → read new entries → apply each and
// acknowledge it once it took effect (or was refused) → publish refusals for the gateway.
//
// The stream entry holds one field, `command`, a JSON object (see pipelines/_agents/commands.ts).
import { hostname } from 'node:os';
import type { JobContext } from '../../src/queue/define.js';
import { applyCommand, agentCommandsStream, COMMANDS_GROUP } from '../_agents/commands.js';
import type { AgentsEngineDeps } from '../_agents/deps.js';
import * as store from '../_agents/store.js';

type Ctx = JobContext<AgentsEngineDeps>;
type Entry = [id: string, fields: string[]];

const CONSUMER = `${hostname()}-${process.pid}`;
const STALE_MS = 30_000;
const BATCH = 50;
/** Work per tick: the next tick (a second later) goes on. */
const BUDGET_MS = 800;

export async function run(_p: unknown, ctx: Ctx) {
  const { redis, config } = ctx.deps;
  const stream = agentCommandsStream(config.QUEUE_PREFIX);
  await redis.xgroup('CREATE', stream, COMMANDS_GROUP, '0', 'MKSTREAM').catch((err: Error) => {
    if (!/BUSYGROUP/.test(err.message)) throw err;
  });
  const end = Date.now() + BUDGET_MS;
  const counts = { applied: 0, refused: 0, takenOver: 0, requeued: 0 };
  // Entries a consumer read but never acknowledged (it died, or PostgreSQL was down) for 30 s.
  const claimed = (await redis.xautoclaim(stream, COMMANDS_GROUP, CONSUMER, STALE_MS, '0', 'COUNT', BATCH)) as [string, Entry[]];
  counts.takenOver = claimed[1].length;
  await handle(ctx, stream, claimed[1], counts);
  while (Date.now() < end && !ctx.signal.aborted) {
    const read = (await redis.xreadgroup('GROUP', COMMANDS_GROUP, CONSUMER, 'COUNT', BATCH, 'STREAMS', stream, '>')) as Array<[string, Entry[]]> | null;
    const entries = read?.[0]?.[1] ?? [];
    if (!entries.length) break;
    await handle(ctx, stream, entries, counts);
  }
  counts.requeued = await sweep(ctx);
  return { counts };
}

/**
 * Once a minute (across replicas), tasks that lost their job get it again: a crash between a task's
 * insert and its enqueue, or a job lost with Redis data. Their job ids are fixed, so a job that exists
 * makes the enqueue a no-op.
 */
async function sweep(ctx: Ctx): Promise<number> {
  const { redis, config, analytics, agents } = ctx.deps;
  if ((await redis.set(`${config.QUEUE_PREFIX}:agents:sweep`, '1', 'PX', 60_000, 'NX')) !== 'OK') return 0;
  const stray = await store.strayTasks(analytics, 500);
  for (const t of stray) {
    await agents.enqueueTask(t.id, t.agentId, t.priority, t.jobGeneration);
    await store.markQueued(ctx.deps.sql, t.id);
  }
  if (stray.length) ctx.log.warn({ tasks: stray.length }, 'gave tasks without a job their job again');
  return stray.length;
}

async function handle(ctx: Ctx, stream: string, entries: Entry[], counts: { applied: number; refused: number }) {
  const { redis, agents, agentPublisher } = ctx.deps;
  for (const [id, fields] of entries) {
    const rawText = fields[fields.indexOf('command') + 1];
    let raw: unknown;
    try {
      raw = fields.includes('command') ? JSON.parse(rawText ?? '') : undefined;
    } catch {
      raw = undefined;
    }
    const result = raw === undefined
      ? { ok: false as const, status: 400, error: 'invalid command: the entry needs a field "command" holding a JSON object' }
      : await applyCommand(agents, raw, id);
    // Acknowledged only now: a crash before this line leaves the entry pending for a take-over.
    await redis.xack(stream, COMMANDS_GROUP, id);
    if (result.ok) counts.applied++;
    else {
      counts.refused++;
      const agentId = Number((raw as { agentId?: unknown })?.agentId) || 0;
      const requestId = (raw as { requestId?: unknown })?.requestId;
      ctx.log.warn({ entryId: id, status: result.status, error: result.error }, 'agent command refused');
      await agentPublisher.publish('agentError', agentId, { commandId: id, requestId: typeof requestId === 'string' ? requestId : null, status: result.status, error: result.error, details: result.details ?? null });
    }
  }
}
