// HTTP routes of the prediction features (behind the engine's API key): batch predictions and the model
// registry. Registered through the engine's `extraRoutes`.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mlPredictBatch, predictionSelection } from '../../../queues/ml-predict-batch.js';
import type { ModelVersion } from '../../generated/prisma/client.js';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, zodDetails } from '../../http/errors.js';
import { withDeadline } from '../../redis.js';
import { int4IdParam } from '../../schemas.js';
import { MlJobs } from '../../../pipelines/_ml/jobs.js';
import { activeVersion, promote, RegistryError, rollback } from '../../../pipelines/_ml/registry.js';
import { competitionsFor } from '../../../pipelines/_ml/selection.js';

const idempotencyKey = z.string().min(1).max(200).optional();
const idParam = z.object({ id: int4IdParam() });
const listQuery = z.object({
  source: z.enum(['ML_SERVICE', 'BASELINE']).optional(),
  stage: z.enum(['CANDIDATE', 'ACTIVE', 'RETIRED', 'ROLLED_BACK']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** A registry row without its parameters (a fitted baseline's can be large). */
export const modelView = (v: ModelVersion) => ({
  id: v.id, name: v.name, version: v.version, source: v.source, stage: v.stage, metrics: v.metrics,
  trainedFrom: v.trainedFrom?.toISOString() ?? null, trainedTo: v.trainedTo?.toISOString() ?? null,
  createdAt: v.createdAt.toISOString(), promotedAt: v.promotedAt?.toISOString() ?? null, retiredAt: v.retiredAt?.toISOString() ?? null,
});

/**
 * Whether a promoted (or re-activated) version makes the predictions: service versions when the ML
 * service is configured, baseline versions otherwise. Only then does re-predicting help; a baseline that
 * is just the fallback must not stamp its predictions over the service's.
 */
const serving = (v: ModelVersion | null, mlConfigured: boolean) => v !== null && (v.source === 'ML_SERVICE') === mlConfigured;

const invalid = (what: string, details: Array<{ field: string; message: string }>) =>
  new HttpError(400, `invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);

export function registerMlRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { config } = ctx;
  // Several round trips: a request answered 503 stops before its next one.
  const t = <T>(work: (signal: AbortSignal) => Promise<T>) => withDeadline(work, config.ENQUEUE_TIMEOUT_MS, 'Redis');
  const jobs = new MlJobs({ redis: ctx.redis, prefix: config.QUEUE_PREFIX, flows: ctx.flows, enqueue: ctx.producer.enqueue.bind(ctx.producer) });
  const Q = { batch: mlPredictBatch.name };
  const { pg } = deadlines(config.ENQUEUE_TIMEOUT_MS);
  const registry = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RegistryError) throw new HttpError(err.statusCode, err.message);
      throw err;
    }
  };

  app.post('/predictions/batch', async (req, reply) => {
    const key = idempotencyKey.safeParse(req.headers['idempotency-key']);
    if (!key.success) throw new HttpError(400, 'Idempotency-Key header must be 1–200 characters');
    const parsed = predictionSelection.safeParse(req.body ?? {});
    if (!parsed.success) throw invalid('selection', zodDetails(parsed.error));
    const selection = parsed.data;
    if (selection.league !== undefined && !(await pg(competitionsFor(ctx.sql, selection.league))).length) {
      throw invalid('selection', [{ field: 'league', message: `no competition with slug or provider id "${selection.league}"` }]);
    }
    // Versions the service made outside our retraining are registered when first met, so the registry
    // knows every version worth asking for.
    if (selection.modelVersion !== undefined && !(await pg(ctx.db.modelVersion.count({ where: { version: selection.modelVersion } })))) {
      throw invalid('selection', [{ field: 'modelVersion', message: `no model version "${selection.modelVersion}" in the registry (GET /models)` }]);
    }
    const batchId = key.data
      ? `batch-${createHash('sha256').update(`${Q.batch}\0${key.data}`).digest('hex').slice(0, 32)}`
      : `batch-${randomUUID()}`;
    const { created } = await t(async (signal) => {
      const submitted = await jobs.submitBatch(selection, batchId, { signal });
      await ctx.producer.replicated(Q.batch); // ENQUEUE_ACK_REPLICAS, as POST /jobs/:queue
      return submitted;
    });
    return reply.status(created ? 202 : 200).send({ id: batchId, queue: Q.batch });
  });

  app.get('/models', async (req) => {
    const q = listQuery.parse(req.query);
    const [items, baseline, service] = await pg(Promise.all([
      ctx.db.modelVersion.findMany({ where: { ...(q.source ? { source: q.source } : {}), ...(q.stage ? { stage: q.stage } : {}) }, orderBy: { id: 'desc' }, take: q.limit }),
      activeVersion(ctx.db, 'BASELINE'),
      activeVersion(ctx.db, 'ML_SERVICE'),
    ]));
    return { items: items.map(modelView), active: { BASELINE: baseline && modelView(baseline), ML_SERVICE: service && modelView(service) } };
  });

  // A promotion re-predicts the upcoming matches with the promoted version (when it is the kind of version
  // that serves predictions); a double click promotes once.
  app.post('/models/:id/promote', async (req) => {
    const { id } = idParam.parse(req.params);
    const res = await pg(registry(() => promote(ctx.db, id)));
    const repredict = res.changed && serving(res.version, Boolean(config.ML_SERVICE_URL))
      ? await t((signal) => jobs.repredictUpcoming(`repredict-model-${id}-${res.version.promotedAt!.getTime()}`, res.version.version, { signal }))
      : null;
    return { model: modelView(res.version), retired: res.retired, changed: res.changed, repredict: repredict && { queue: Q.batch, id: repredict.id } };
  });

  // A rollback of a serving version re-predicts the upcoming matches with the version it re-activates (or,
  // if none, with the defaults).
  app.post('/models/:id/rollback', async (req) => {
    const { id } = idParam.parse(req.params);
    const res = await pg(registry(() => rollback(ctx.db, id)));
    const back = res.reactivated;
    const repredict = res.changed && serving(res.version, Boolean(config.ML_SERVICE_URL))
      ? await t((signal) => jobs.repredictUpcoming(`repredict-rollback-${id}-${res.version.retiredAt!.getTime()}`, back?.version, { signal }))
      : null;
    return { model: modelView(res.version), reactivated: back && modelView(back), changed: res.changed, repredict: repredict && { queue: Q.batch, id: repredict.id } };
  });
}
