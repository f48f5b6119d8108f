import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { int8IdParam, text } from '../schemas.js';
import type { HttpContext } from './context.js';
import { deadlines, HttpError, invalid } from './errors.js';

const listQuery = z.object({
  queue: text(200, 0).optional(), // empty: every queue
  redriven: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: int8IdParam().optional(),
});
const idParam = z.object({ id: int8IdParam() });

const view = (d: { id: bigint; queue: string; jobId: string; jobCreatedAt: Date; jobName: string; payload: unknown; error: string; attempts: number; failedAt: Date; redrivenAt: Date | null; redriveJobId: string | null }) => ({
  // Job ids repeat after Redis loses its data: the creation time tells two jobs of the same id apart.
  id: d.id.toString(), queue: d.queue, jobId: d.jobId, jobCreatedAt: d.jobCreatedAt.toISOString(), jobName: d.jobName, payload: d.payload, error: d.error,
  attempts: d.attempts, failedAt: d.failedAt.toISOString(), redrivenAt: d.redrivenAt?.toISOString() ?? null, redriveJobId: d.redriveJobId,
});

export function registerDeadLetterRoutes(app: FastifyInstance, ctx: HttpContext) {
  const t = deadlines(ctx.config.ENQUEUE_TIMEOUT_MS);
  app.get('/dead-letters', async (req) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw invalid('query', parsed.error);
    const q = parsed.data;
    const rows = await t.pg(ctx.db.deadLetter.findMany({
      where: {
        ...(q.queue ? { queue: q.queue } : {}),
        ...(q.redriven ? { redrivenAt: q.redriven === 'true' ? { not: null } : null } : {}),
        ...(q.before ? { id: { lt: q.before } } : {}),
      },
      orderBy: { id: 'desc' },
      take: q.limit,
    }));
    return { items: rows.map(view), next: rows.length === q.limit ? rows.at(-1)!.id.toString() : null };
  });

  app.post('/dead-letters/:id/redrive', async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw invalid('dead letter id', p.error);
    const { id } = p.data;
    const dl = await t.pg(ctx.db.deadLetter.findUnique({ where: { id } }));
    if (!dl) throw new HttpError(404, `no dead letter ${id}`);
    if (dl.redrivenAt) return reply.status(200).send({ ...view(dl), action: 'already redriven' });
    // A deterministic job id makes a double click (or two replicas) enqueue the job once.
    const jobId = `redrive-${dl.id}`;
    const { id: newJobId } = await t.redis(ctx.producer.enqueueByName(dl.queue, dl.payload, { jobId }).then(async (added) => {
      // ENQUEUE_ACK_REPLICAS, as POST /jobs/:queue: not marked redriven until replicas have the job (a
      // second redrive finds the same job id).
      await ctx.producer.replicated(dl.queue);
      return added;
    }));
    const updated = await t.pg(ctx.db.deadLetter.update({ where: { id }, data: { redrivenAt: new Date(), redriveJobId: newJobId } }));
    return reply.status(202).send({ ...view(updated), action: 'redriven' });
  });
}
