// The agents feature's input schemas: one definition per body, shared by the HTTP routes and the command
// stream, so a command is validated exactly as the route that does the same thing.
import { z } from 'zod';
import { int4Id, text } from '../../src/schemas.js';

export const TASK_KINDS = ['agent-os', 'insight', 'webhook', 'enqueue', 'noop'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** BullMQ priorities: 1 runs first. Every task has one, so none jumps the line by having none. */
export const BULL_PRIORITY: Record<Priority, number> = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4 };

/** JSON an agent stores (config, task input, event data): bounded, so one request cannot fill a row. */
const json = z.record(z.string(), z.unknown()).refine((v) => JSON.stringify(v).length <= 64 * 1024, 'must be at most 64 KB as JSON');

const name = text(120);
const agentType = text(60).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, "_", "." or "-"');

export const agentCreate = z.strictObject({
  name,
  type: agentType,
  config: json.default({}),
  concurrencyLimit: z.number().int().min(1).max(100).default(2),
  agentOsName: text(120).nullish(),
});

export const agentPatch = z
  .strictObject({
    name: name.optional(),
    config: json.optional(),
    concurrencyLimit: z.number().int().min(1).max(100).optional(),
    agentOsName: text(120).nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'must change at least one field');

// ---- task inputs, one per kind

export const agentOsInput = z.strictObject({ input: json.default({}), metadata: json.optional() });
export const insightInput = z
  .strictObject({ matchId: int4Id().optional(), teamId: int4Id().optional(), locale: text(10).default('en') })
  .refine((v) => v.matchId !== undefined, { message: 'an insight needs a matchId', path: ['matchId'] });
export const webhookInput = z.strictObject({
  integration: name,
  method: z.enum(['GET', 'POST', 'PUT']).default('POST'),
  path: text(500).regex(/^\/[^\s]*$/, 'must be a path starting with "/"').default('/'),
  body: z.unknown().optional(),
});
export const enqueueInput = z.strictObject({ queue: text(100), payload: z.unknown().default({}) });
export const noopInput = z.strictObject({ sleepMs: z.number().int().min(0).max(60_000).default(0) });

export const INPUT_SCHEMAS: Record<TaskKind, z.ZodType> = {
  'agent-os': agentOsInput,
  insight: insightInput,
  webhook: webhookInput,
  enqueue: enqueueInput,
  noop: noopInput,
};

export const taskCreate = z.strictObject({
  kind: z.enum(TASK_KINDS),
  input: z.record(z.string(), z.unknown()).default({}),
  priority: z.enum(PRIORITIES).default('MEDIUM'),
});
export type TaskCreate = z.output<typeof taskCreate>;

export const eventCreate = z.strictObject({
  type: text(60),
  severity: z.enum(['INFO', 'WARNING', 'ERROR', 'CRITICAL']).default('INFO'),
  message: text(2000),
  data: json.default({}),
});

export const insightCreate = z
  .strictObject({
    matchId: int4Id().optional(),
    teamId: int4Id().optional(),
    title: text(200),
    body: text(10_000),
    facts: json.default({}),
    confidence: z.number().min(0).max(1),
    model: text(100).optional(),
  });

export const integrationCreate = z.strictObject({
  name,
  baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000),
  // A credential header by name, so every error an integration echoes is scrubbed of it (src/secrets.ts).
  authHeader: text(100).regex(/^[A-Za-z0-9-]*(authorization|api-key|token|secret)[A-Za-z0-9-]*$/i, 'must be a credential header name (containing authorization, api-key, token or secret)').default('authorization'),
  secret: text(4000).optional(),
});

const stepKey = text(60).regex(/^[a-z][a-z0-9_-]*$/, 'must start with a letter: lower-case letters, digits, "_" or "-"');
export const workflowStep = z.strictObject({
  key: stepKey,
  kind: z.string().min(1).max(60),
  input: z.record(z.string(), z.unknown()).default({}),
  dependsOn: z.array(stepKey).max(50).default([]),
  priority: z.enum(PRIORITIES).default('MEDIUM'),
});
export const workflowCreate = z.strictObject({
  name,
  steps: z.array(workflowStep).min(1).max(50),
  onFailure: z.enum(['FAIL', 'SKIP']).default('FAIL'),
});
export type WorkflowStep = z.output<typeof workflowStep>;

export const workflowRunCreate = z.strictObject({ input: json.default({}) });

/** Paging: keyset by id, newest first; `before` is the last id of the previous page. */
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().max(2_147_483_647).optional(),
});
