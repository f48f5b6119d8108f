import type { Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { cancelChannel } from '../queue/cancel.js';
import { withDeadline, withTimeout } from '../redis.js';
import type { HttpContext } from './context.js';
import { HttpError, invalid, zodDetails } from './errors.js';

/** Job ids the API accepts in a path (ours are far shorter; BullMQ itself sets no bound). */
export const MAX_JOB_ID_CHARS = 256;
const params = z.object({ queue: z.string(), id: z.string().min(1).max(MAX_JOB_ID_CHARS) });
const jobParams = (raw: unknown) => {
  const p = params.safeParse(raw);
  if (!p.success) throw invalid('job', p.error);
  return p.data;
};
const idempotencyKey = z.string().min(1).max(200).optional();

export function jobView(queue: string, job: Job, state: string) {
  return {
    id: String(job.id),
    queue,
    name: job.name,
    state,
    progress: job.progress,
    attempts: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    data: job.data,
    result: job.returnvalue ?? null,
    failedReason: job.failedReason ?? null,
    timestamps: {
      created: iso(job.timestamp),
      processed: iso(job.processedOn),
      finished: iso(job.finishedOn),
      delayedUntil: job.opts.delay ? iso(job.timestamp + job.opts.delay) : null,
    },
  };
}

const iso = (ms?: number | null) => (ms ? new Date(ms).toISOString() : null);

export function registerJobRoutes(app: FastifyInstance, ctx: HttpContext) {
  const t = <T>(p: Promise<T>) => withTimeout(p, ctx.config.ENQUEUE_TIMEOUT_MS, 'Redis');

  async function load(queueName: string, id: string) {
    const queue = ctx.producer.queue(queueName);
    // State first, then the job: the job's fields are then at least as new as the state we report.
    const state = await t(queue.getJobState(id));
    const job = state === 'unknown' ? undefined : await t(queue.getJob(id));
    if (!job) throw new HttpError(404, `no job ${id} in queue ${queueName}`);
    return { queue, job, state };
  }

  app.post('/jobs/:queue', async (req, reply) => {
    const { queue } = z.object({ queue: z.string() }).parse(req.params);
    const def = ctx.producer.def(queue);
    const key = idempotencyKey.safeParse(req.headers['idempotency-key']);
    if (!key.success) throw new HttpError(400, 'Idempotency-Key header must be 1–200 characters');
    const payload = def.payload.safeParse(req.body ?? {});
    if (!payload.success) {
      const details = zodDetails(payload.error);
      throw new HttpError(400, `invalid payload for ${queue}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
    }
    // With ENQUEUE_ACK_REPLICAS the answer waits until replicas have the job too (a 503 otherwise: a
    // retry with the same Idempotency-Key is safe).
    const { id, created } = await withDeadline(async (signal) => {
      const added = await ctx.producer.enqueueByName(queue, payload.data, { idempotencyKey: key.data, validated: true, signal });
      await ctx.producer.replicated(queue);
      return added;
    }, ctx.config.ENQUEUE_TIMEOUT_MS, 'Redis');
    return reply.status(created ? 202 : 200).send({ id, queue });
  });

  app.get('/jobs/:queue/:id', async (req) => {
    const { queue, id } = jobParams(req.params);
    const { job, state } = await load(queue, id);
    return jobView(queue, job, state);
  });

  app.delete('/jobs/:queue/:id', async (req, reply) => {
    const { queue, id } = jobParams(req.params);
    const { job, state } = await load(queue, id);
    if (state === 'active') {
      // The job runs in some worker process; whichever holds it aborts it through its AbortSignal.
      await t(ctx.redis.publish(cancelChannel(ctx.config.QUEUE_PREFIX), JSON.stringify({ queue, jobId: id, reason: 'cancelled through the API' })));
      return reply.status(202).send({ id, queue, state, action: 'cancelling' });
    }
    if (['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused'].includes(state)) {
      await t(job.remove());
      return reply.status(200).send({ id, queue, state, action: 'removed' });
    }
    throw new HttpError(409, `job ${id} is ${state}: only waiting, delayed or active jobs can be cancelled`);
  });

  app.post('/jobs/:queue/:id/retry', async (req, reply) => {
    const { queue, id } = jobParams(req.params);
    const { job, state } = await load(queue, id);
    if (state !== 'failed') throw new HttpError(409, `job ${id} is ${state}: only failed jobs can be retried`);
    await t(job.retry('failed').then(() => ctx.producer.replicated(queue)));
    return reply.status(202).send({ id, queue, action: 'retrying' });
  });
}
