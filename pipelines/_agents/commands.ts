// The gateway's `agentCommand`s: their shape (validated with the same schemas as the HTTP routes doing
// the same) and their effect through the same service.
import { z } from 'zod';
import { int4Id } from '../../src/schemas.js';
import { taskCreate } from './schemas.js';
import { AgentsError, zodFields, type AgentsService } from './service.js';

export const agentCommandsStream = (prefix: string) => `${prefix}:agents:commands`;
export const COMMANDS_GROUP = 'engine';

export const agentCommand = z.discriminatedUnion('command', [
  z.strictObject({ command: z.literal('start'), agentId: int4Id(), requestId: z.string().max(200).optional() }),
  z.strictObject({ command: z.literal('stop'), agentId: int4Id(), requestId: z.string().max(200).optional() }),
  z.strictObject({ command: z.literal('cancel'), taskId: int4Id(), requestId: z.string().max(200).optional() }),
  z.strictObject({ command: z.literal('runTask'), agentId: int4Id(), task: taskCreate, requestId: z.string().max(200).optional() }),
]);
export type AgentCommand = z.output<typeof agentCommand>;

export type CommandResult = { ok: true; result: unknown } | { ok: false; status: number; error: string; details?: unknown };

/**
 * Applies one command. Refusals (invalid, unknown agent, a task that already ended) are results, not
 * errors: the entry is acknowledged and the refusal published. Anything else (PostgreSQL down) throws and
 * leaves the entry pending, to be taken over later. `entryId` makes runTask idempotent: a command taken
 * over after its effect but before its acknowledgement finds the task it created.
 */
export async function applyCommand(agents: AgentsService, raw: unknown, entryId: string): Promise<CommandResult> {
  const parsed = agentCommand.safeParse(raw);
  if (!parsed.success) {
    const details = zodFields(parsed.error);
    return { ok: false, status: 400, error: `invalid command: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details };
  }
  const c = parsed.data;
  try {
    if (c.command === 'start') return { ok: true, result: await agents.start(c.agentId) };
    if (c.command === 'stop') return { ok: true, result: await agents.stop(c.agentId) };
    if (c.command === 'cancel') return { ok: true, result: await agents.cancelTask(c.taskId, 'cancelled by a command') };
    const { task } = await agents.createTask(c.agentId, c.task, { requestKey: `cmd:${entryId}` });
    return { ok: true, result: { taskId: task.id, status: task.status } };
  } catch (err) {
    if (err instanceof AgentsError) return { ok: false, status: err.statusCode, error: err.message, details: err.details };
    throw err;
  }
}
