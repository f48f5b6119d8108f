// HTTP routes of the A/B tests between model versions (behind the engine's API key): create, read with
// live statistics, stop.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, invalid } from '../../http/errors.js';
import { int4Id, int4IdParam, isoDateOrDateTime, text } from '../../schemas.js';
import { sql } from '../../db/sql.js';
import { utc } from '../../time.js';
import { evaluateTest, METRICS, replay, type AbTestRow } from '../../../pipelines/_stats/ab/evaluate.js';
import { distReady } from '../../../pipelines/_stats/dist.js';

const createBody = z.strictObject({
  name: text(200),
  controlVersionId: int4Id(),
  treatmentVersionId: int4Id(),
  /** The treatment's share of matches, strictly between 0 and 1. */
  split: z.number().gt(0, 'must be greater than 0').lt(1, 'must be less than 1').default(0.5),
  metric: z.enum(METRICS).default('rps'),
  minSample: z.number().int().min(2).max(1_000_000).default(150),
  maxDurationDays: z.number().int().min(1).max(3650).default(90),
  alpha: z.number().gt(0).max(0.5).default(0.05),
  nStar: z.number().int().min(10).max(10_000_000).default(1000),
  leagues: z.array(text(100)).max(50).default([]),
  autoPromote: z.boolean().default(false),
  /** Start at once (default) or stay a draft; `from` = the first kick-off counted (default now; earlier replays history). */
  start: z.boolean().default(true),
  from: isoDateOrDateTime().optional(),
}).refine((b) => b.controlVersionId !== b.treatmentVersionId, { message: 'must differ from controlVersionId: the arms are the same version', path: ['treatmentVersionId'] });
const idParam = z.object({ id: int4IdParam() });

const testView = (t: AbTestRow) => ({
  id: t.id, name: t.name, controlVersionId: t.control_version_id, treatmentVersionId: t.treatment_version_id, split: t.split, metric: t.metric,
  minSample: t.min_sample, maxDurationDays: t.max_duration_days, alpha: t.alpha, nStar: t.n_star, leagues: t.leagues, autoPromote: t.auto_promote,
  status: t.status, decision: t.decision, winnerVersionId: t.winner_version_id, sequentialP: t.sequential_p,
  createdAt: t.created_at.toISOString(), startedAt: t.started_at?.toISOString() ?? null, endedAt: t.ended_at?.toISOString() ?? null,
});

export function abTestRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pg } = deadlines(ctx.config.ENQUEUE_TIMEOUT_MS);
  const load = async (id: number) => {
    const t = await pg(ctx.sql.maybeOne<AbTestRow>(sql`SELECT * FROM ab_tests WHERE id = ${id}::int`));
    if (!t) throw new HttpError(404, `no A/B test ${id}`);
    return t;
  };

  app.post('/ab-tests', async (req, reply) => {
    const b = createBody.safeParse(req.body ?? {});
    if (!b.success) throw invalid('A/B test', b.error);
    const d = b.data;
    const versions = await pg(ctx.db.modelVersion.findMany({ where: { id: { in: [d.controlVersionId, d.treatmentVersionId] } }, select: { id: true, source: true } }));
    const details = [];
    for (const field of ['controlVersionId', 'treatmentVersionId'] as const) {
      const v = versions.find((x) => x.id === d[field]);
      if (!v) details.push({ field, message: `no model version ${d[field]}` });
      else if (v.source === 'REFERENCE') details.push({ field, message: 'a reference forecast is never served: it cannot be an arm' });
    }
    if (details.length) throw new HttpError(400, `invalid A/B test: ${details.map((x) => `${x.field}: ${x.message}`).join('; ')}`, details);
    const startedAt = d.start ? (d.from ? new Date(d.from) : new Date()) : null;
    const t = await pg(ctx.sql.one<AbTestRow>(sql`INSERT INTO ab_tests (name, control_version_id, treatment_version_id, split, metric, min_sample, max_duration_days,
        alpha, n_star, leagues, auto_promote, status, started_at)
      VALUES (${d.name}, ${d.controlVersionId}::int, ${d.treatmentVersionId}::int, ${d.split}::float8, ${d.metric}, ${d.minSample}::int, ${d.maxDurationDays}::int,
        ${d.alpha}::float8, ${d.nStar}::int, ${d.leagues}::text[], ${d.autoPromote}, ${d.start ? 'running' : 'draft'}, ${startedAt ? utc(startedAt) : null}::timestamp)
      RETURNING *`));
    return reply.status(201).send(testView(t));
  });

  app.get('/ab-tests/:id', async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw invalid('A/B test id', p.error);
    let t = await load(p.data.id);
    await distReady();
    // Live: a running test is evaluated now (idempotent: the same replay a stats-ab job would do).
    if (t.status === 'running') {
      await pg(evaluateTest({ db: ctx.db, sql: ctx.sql }, t.id, { srmP: ctx.config.AB_SRM_P }));
      t = await load(t.id);
    }
    let statistics = t.last_evaluation;
    if (!statistics) {
      const rows = await pg(ctx.sql.query<{ arm: string; kickoff: Date; control_loss: number; treatment_loss: number }>(sql`
        SELECT arm, kickoff, control_loss, treatment_loss FROM ab_test_matches WHERE ab_test_id = ${t.id}::int ORDER BY kickoff, match_id`));
      statistics = replay(t, rows, new Date(), ctx.config.AB_SRM_P).analysis;
    }
    return { ...testView(t), statistics };
  });

  app.post('/ab-tests/:id/stop', async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw invalid('A/B test id', p.error);
    await load(p.data.id);
    const changed = await pg(ctx.sql.execute(sql`UPDATE ab_tests SET status = 'stopped', decision = coalesce(decision, 'stopped'), ended_at = now() AT TIME ZONE 'UTC'
      WHERE id = ${p.data.id}::int AND status IN ('draft', 'running')`));
    return { ...testView(await load(p.data.id)), changed: changed > 0 };
  });
}
