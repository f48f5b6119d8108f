// HTTP routes of the social feature (behind the engine's API key): events in, the merged home feed and
// the leaderboards out, for the backend to serve.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { socialEvent, socialEvents } from '../../../queues/social-events.js';
import { page } from '../../db/page.js';
import { sql } from '../../db/sql.js';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, invalid } from '../../http/errors.js';
import { int4IdParam } from '../../schemas.js';
import { readFeed } from '../../../pipelines/_social/feed.js';
import { checkReferences } from '../../../pipelines/_social/references.js';

const feedParams = z.object({ userId: int4IdParam() });
const feedQuery = z.object({ before: int4IdParam().optional(), limit: z.coerce.number().int().min(1).max(100).default(20) });
const BOARD = /^(overall|weekly(:\d{4}-W\d{2})?|competition:[1-9]\d{0,9})$/;
const boardParams = z.object({ board: z.string().regex(BOARD, 'must be overall, weekly, weekly:<YYYY>-W<ww> or competition:<id>') });
const CURSOR = /^-?\d{1,10},[1-9]\d{0,9}$/;
const boardQuery = z.object({
  cursor: z.string().regex(CURSOR, 'must be the next cursor of the previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The ISO week of a time, as the weekly boards name it (2026-W48). */
export function isoWeek(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day); // the Thursday of this week decides its year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function socialRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { config } = ctx;
  const { pg, redis } = deadlines(config.ENQUEUE_TIMEOUT_MS);

  // The references are checked here so the backend hears of a bad event at once (400 naming it); the
  // job checks them again (they can change in between) and fails for good, writing nothing.
  app.post('/social/events', async (req, reply) => {
    const parsed = socialEvent.safeParse(req.body ?? {});
    if (!parsed.success) throw invalid('social event', parsed.error);
    const event = parsed.data;
    const checked = await pg(checkReferences(ctx.sql, event));
    if ('problem' in checked) throw new HttpError(400, `invalid social event: ${checked.problem.field}: ${checked.problem.message}`, [checked.problem]);
    const jobId = event.eventId ? `se-${createHash('sha256').update(event.eventId).digest('hex').slice(0, 32)}` : `se-${randomUUID()}`;
    const { id } = await redis(ctx.producer.enqueue(socialEvents, event, { jobId }).then(async (added) => {
      await ctx.producer.replicated(socialEvents.name); // ENQUEUE_ACK_REPLICAS, as POST /jobs/:queue
      return added;
    }));
    return reply.status(202).send({ id, queue: socialEvents.name });
  });

  app.get('/social/feed/:userId', async (req) => {
    const p = feedParams.safeParse(req.params);
    if (!p.success) throw invalid('path', p.error);
    const q = feedQuery.safeParse(req.query);
    if (!q.success) throw invalid('query', q.error);
    return pg(readFeed(ctx.sql, { userId: p.data.userId, before: q.data.before, limit: q.data.limit, celebrityFollowers: config.SOCIAL_CELEBRITY_FOLLOWERS }));
  });

  app.get('/social/leaderboards/:board', async (req) => {
    const p = boardParams.safeParse(req.params);
    if (!p.success) throw invalid('path', p.error);
    const q = boardQuery.safeParse(req.query);
    if (!q.success) throw invalid('query', q.error);
    const board = p.data.board === 'weekly' ? `weekly:${isoWeek(new Date())}` : p.data.board;
    const res = await pg(page<{ user_id: number; points: number; correct: number; settled: number }>(ctx.sql, {
      from: sql`SELECT user_id, points, correct, settled FROM leaderboard_entries WHERE board = ${board}`,
      key: [['points', 'int'], ['user_id', 'int']], order: 'desc', after: q.data.cursor?.split(',') ?? null, limit: q.data.limit,
    }));
    return {
      board,
      items: res.rows.map((r) => ({ userId: r.user_id, points: r.points, correct: r.correct, settled: r.settled })),
      next: res.next ? res.next.join(',') : null,
    };
  });
}
