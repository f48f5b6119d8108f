// HTTP routes of the drift alerts (behind the engine's API key): list, resolve.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, invalid } from '../../http/errors.js';
import { int4IdParam, text } from '../../schemas.js';
import { sql } from '../../db/sql.js';

const listQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  modelVersionId: int4IdParam().optional(),
  severity: z.enum(['warning', 'critical']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const idParam = z.object({ id: int4IdParam() });
const resolveBody = z.strictObject({ by: text(100).optional() });

interface AlertRow {
  id: number; model_version_id: number; feature: string; method: string; statistic: number; p_value: number | null; severity: string;
  reference_from: Date; reference_to: Date; current_from: Date; current_to: Date; n_reference: number; n_current: number; details: unknown;
  open_key: string | null; opened_at: Date; last_seen_at: Date; resolved_at: Date | null; resolved_by: string | null; retrain_job_id: string | null;
  model: string; version: string;
}

const alertView = (a: AlertRow) => ({
  id: a.id, modelVersionId: a.model_version_id, model: a.model, version: a.version, feature: a.feature, method: a.method,
  statistic: a.statistic, pValue: a.p_value, severity: a.severity, status: a.open_key ? 'open' : 'resolved',
  window: { reference: { from: a.reference_from.toISOString(), to: a.reference_to.toISOString(), n: a.n_reference }, current: { from: a.current_from.toISOString(), to: a.current_to.toISOString(), n: a.n_current } },
  details: a.details, openedAt: a.opened_at.toISOString(), lastSeenAt: a.last_seen_at.toISOString(),
  resolvedAt: a.resolved_at?.toISOString() ?? null, resolvedBy: a.resolved_by, retrainJobId: a.retrain_job_id,
});

const SELECT = sql`SELECT a.*, v.name AS model, v.version FROM drift_alerts a JOIN model_versions v ON v.id = a.model_version_id`;

export function driftRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pg } = deadlines(ctx.config.ENQUEUE_TIMEOUT_MS);

  app.get('/stats/drift', async (req) => {
    const q = listQuery.safeParse(req.query ?? {});
    if (!q.success) throw invalid('query', q.error);
    const { status, modelVersionId, severity, limit } = q.data;
    const rows = await pg(ctx.sql.query<AlertRow>(sql`${SELECT} WHERE true
      ${status === 'open' ? sql`AND a.open_key IS NOT NULL` : status === 'resolved' ? sql`AND a.open_key IS NULL` : sql.empty}
      ${modelVersionId ? sql`AND a.model_version_id = ${modelVersionId}::int` : sql.empty}
      ${severity ? sql`AND a.severity = ${severity}` : sql.empty}
      ORDER BY a.opened_at DESC, a.id DESC LIMIT ${limit}::int`));
    return { items: rows.map(alertView) };
  });

  app.post('/stats/drift/:id/resolve', async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw invalid('alert id', p.error);
    const b = resolveBody.safeParse(req.body ?? {});
    if (!b.success) throw invalid('body', b.error);
    // Resolving twice is harmless: the second answer says nothing changed.
    const changed = await pg(ctx.sql.execute(sql`UPDATE drift_alerts SET open_key = NULL, resolved_at = now() AT TIME ZONE 'UTC', resolved_by = ${b.data.by ?? 'api'}
      WHERE id = ${p.data.id}::int AND open_key IS NOT NULL`));
    const row = await pg(ctx.sql.maybeOne<AlertRow>(sql`${SELECT} WHERE a.id = ${p.data.id}::int`));
    if (!row) throw new HttpError(404, `no drift alert ${p.data.id}`);
    return { alert: alertView(row), changed: changed > 0 };
  });
}
