// Shared by the agents routes: the service built from the HTTP context, body/param parsing that answers
// 400 naming each field, keyset paging, and the mapping of the feature's errors onto HTTP answers.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AgentAdmission } from '../../../pipelines/_agents/admission.js';
import { AgentPublisher } from '../../../pipelines/_agents/publish.js';
import { AgentsError, AgentsService, type AgentsServiceEnv } from '../../../pipelines/_agents/service.js';
import { Workflows } from '../../../pipelines/_agents/workflows.js';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, zodDetails } from '../../http/errors.js';
import { int4IdParam } from '../../schemas.js';
import type { Executor, PoolExecutor } from '../../db/executor.js';

export const idParams = z.object({ id: int4IdParam() });

export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const details = zodDetails(r.error);
    throw new HttpError(400, `invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
  }
  return r.data;
}

export const idOf = (req: FastifyRequest, what = 'id') => parse(idParams, req.params, what).id;

export function agentsContext(ctx: HttpContext) {
  const env: AgentsServiceEnv = {
    db: ctx.db,
    sql: poolExecutor(ctx.sql),
    redis: ctx.redis,
    prefix: ctx.config.QUEUE_PREFIX,
    enqueue: ctx.producer.enqueue.bind(ctx.producer),
    enqueueBulk: ctx.producer.enqueueBulk.bind(ctx.producer),
    publisher: new AgentPublisher(ctx.redis, ctx.config.QUEUE_PREFIX),
    admission: new AgentAdmission(ctx.redis, ctx.config.QUEUE_PREFIX),
    queues: ctx.producer.defs,
  };
  const agents = new AgentsService(env);
  const { pg } = deadlines(ctx.config.ENQUEUE_TIMEOUT_MS);
  /** Every route's work under the deadline (PostgreSQL and Redis alike), with the feature's errors as HTTP answers. */
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await pg(work());
    } catch (err) {
      if (err instanceof AgentsError) throw new HttpError(err.statusCode, err.message, err.details);
      throw err;
    }
  };
  return { env, agents, workflows: new Workflows(env, agents), run };
}

/** `?limit=&before=`: newest first, the next page starts below the last id of this one. */
export function keysetPage<T extends { id: number | bigint }>(rows: T[], limit: number) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, next: more ? String(items.at(-1)!.id) : null };
}

/** The engine's HTTP executor runs on the main pool; starting a run or an agent needs its transactions. */
function poolExecutor(ex: Executor): PoolExecutor {
  if (!('pool' in ex)) throw new Error('the agents routes need the HTTP context\'s sql executor to be a pool executor');
  return ex as PoolExecutor;
}
