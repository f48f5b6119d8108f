// The thin HTTP layer: ops routes, the enqueue/job API, dead letters, Bull Board, /metrics.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { withTimeout } from '../redis.js';
import { apiKeyChecker } from './auth.js';
import { BOARD_PATH, registerBoard } from './board.js';
import type { HttpContext } from './context.js';
import { registerDeadLetterRoutes } from './dead-letters.js';
import { errorHandler } from './errors.js';
import { guardInput } from './input-guard.js';
import { registerJobRoutes } from './jobs.js';

export interface HttpOptions {
  /** 'all' serves everything; 'ops' (worker processes) serves only /healthz, /readyz and /metrics. */
  surface: 'all' | 'ops';
  log: Logger;
  /** Extra routes added by features (e.g. POST /predictions/batch); they sit behind the API key. */
  extraRoutes?: Array<(app: FastifyInstance, ctx: HttpContext) => void>;
}

export async function buildHttpServer(ctx: HttpContext, o: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Requests are measured by the metrics hook; logging each one would cost more than it tells.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Fastify's default (100) answers 414 to longer path parameters before a route sees them; the routes
    // bound their own (a job id up to 256 characters) and answer 400 naming the field. Node caps the
    // whole request line at 16 KB anyway.
    routerOptions: { maxParamLength: 16 * 1024 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setErrorHandler(errorHandler);

  const open = new Set(['/healthz', '/readyz', ...(ctx.config.METRICS_REQUIRE_API_KEY ? [] : ['/metrics'])]);
  const authorised = apiKeyChecker(ctx.config.API_KEY);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    if (open.has(path) || authorised(req.headers)) return;
    const headers: Record<string, string> = path.startsWith(BOARD_PATH) ? { 'www-authenticate': 'Basic realm="matchday", charset="UTF-8"' } : {};
    return reply.status(401).headers(headers).send({ error: 'missing or wrong API key (x-api-key header, Bearer token, or basic auth password)' });
  });
  app.addHook('preValidation', guardInput);
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', async () => ({ ok: true }));
  // Open to anyone (probes carry no key), so it shows check names and states only: the failures' texts
  // name internal hosts and ports, and go to the log instead.
  app.get('/readyz', async (req, reply) => {
    const r = await ctx.ready();
    const checks = Object.fromEntries(Object.entries(r.checks).map(([name, c]) => [name, { ok: c.ok }]));
    if (!r.ok) req.log.warn({ checks: r.checks }, 'not ready');
    return reply.status(r.ok ? 200 : 503).send({ ok: r.ok, checks });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  if (o.surface === 'ops') return app;

  app.get('/status', async () => withTimeout(ctx.status.full(), ctx.config.ENQUEUE_TIMEOUT_MS, 'Redis'));
  registerJobRoutes(app, ctx);
  registerDeadLetterRoutes(app, ctx);
  for (const add of o.extraRoutes ?? []) add(app, ctx);

  await registerBoard(app, ctx.producer.queues.values());
  return app;
}
