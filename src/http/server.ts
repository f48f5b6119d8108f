// The thin HTTP layer: ops routes, the enqueue/job API, dead letters, Bull Board, /metrics.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { withTimeout } from '../redis.js';
import { apiKeyChecker } from './auth.js';
import type { HttpContext } from './context.js';
import { registerDeadLetterRoutes } from './dead-letters.js';
import { errorHandler } from './errors.js';
import { registerJobRoutes } from './jobs.js';

export const BOARD_PATH = '/admin/queues';

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
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    const r = await ctx.ready();
    return reply.status(r.ok ? 200 : 503).send(r);
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

  const board = new FastifyAdapter();
  board.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: [...ctx.producer.queues.values()].map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Matchday Engine' } },
  });
  await app.register(board.registerPlugin(), { prefix: BOARD_PATH });
  return app;
}
