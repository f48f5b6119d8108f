// HTTP routes of the model statistics (behind the engine's API key): a version's accuracy and calibration,
// its reliability diagram, the leaderboard. Registered through the engine's `extraRoutes`.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, invalid } from '../../http/errors.js';
import { int4IdParam, text } from '../../schemas.js';
import { sql } from '../../db/sql.js';
import { DAY_MS } from '../../time.js';
import { ALL_LEAGUES, WINDOWS, type StatsWindow } from '../../../pipelines/_stats/accuracy/recompute.js';
import { currentStats, leaderboard, statsHistory, statView } from '../../../pipelines/_stats/accuracy/read.js';
import { reliabilitySvg } from '../../../pipelines/_stats/accuracy/svg.js';
import { densify, type BinSums, type StoredBins } from '../../../pipelines/_stats/calibration.js';

const idParam = z.object({ id: int4IdParam() });
const league = text(100).regex(/^[A-Za-z0-9_.-]+$/, 'must be a league slug (eng.1, E0) or "all"');
const statsQuery = z.strictObject({ league: league.optional(), window: z.enum(WINDOWS).optional(), history: z.coerce.number().int().min(1).max(500).optional() });
const svgQuery = z.strictObject({ league: league.default(ALL_LEAGUES), window: z.enum(WINDOWS).default('all') });
const boardQuery = z.strictObject({
  league: league.default(ALL_LEAGUES),
  window: z.enum(WINDOWS).default('all'),
  versions: z.string().max(2000).optional()
    .transform((v, c) => {
      if (v === undefined) return undefined;
      const ids = v.split(',').map((s) => s.trim());
      if (ids.length < 2 || ids.length > 50 || ids.some((s) => !/^[1-9]\d{0,9}$/.test(s) || Number(s) > 2_147_483_647)) {
        c.addIssue({ code: 'custom', message: 'must be 2 to 50 model version ids, comma-separated' });
        return z.NEVER;
      }
      return [...new Set(ids.map(Number))];
    }),
});

const WINDOW_DAYS: Record<StatsWindow, number | null> = { '7d': 7, '30d': 30, '90d': 90, season: null, all: null };

export function statsRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pg } = deadlines(ctx.config.ENQUEUE_TIMEOUT_MS);
  // The leaderboard scans the scored predictions of a league: a longer deadline than a lookup.
  const scan = deadlines(Math.max(ctx.config.ENQUEUE_TIMEOUT_MS, 10_000)).pg;

  const version = async (id: number) => {
    const v = await pg(ctx.db.modelVersion.findUnique({ where: { id }, select: { id: true, name: true, version: true, source: true, stage: true } }));
    if (!v) throw new HttpError(404, `no model version ${id}`);
    return v;
  };
  const knownLeague = async (name: string) => {
    if (name === ALL_LEAGUES) return;
    const found = await pg(ctx.sql.maybeOne(sql`SELECT 1 AS ok FROM competitions WHERE coalesce(slug, provider_id) = ${name} LIMIT 1`));
    if (!found) throw new HttpError(400, `invalid query: league: no competition "${name}"`, [{ field: 'league', message: `no competition "${name}"` }]);
  };

  app.get('/stats/models/:id', async (req) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw invalid('model version id', p.error);
    const q = statsQuery.safeParse(req.query ?? {});
    if (!q.success) throw invalid('query', q.error);
    const v = await version(p.data.id);
    if (q.data.league) await knownLeague(q.data.league);
    const rows = await pg(currentStats(ctx.sql, v.id, { league: q.data.league, window: q.data.window }));
    const stats = rows.map(statView);
    // An empty window is an answer, not an error: n = 0 and no scores.
    if (!stats.length && q.data.league && q.data.window) {
      stats.push({ league: q.data.league, window: q.data.window, n: 0, note: 'no finished matches in this window' } as never);
    }
    const history = q.data.history && q.data.league && q.data.window
      ? await pg(statsHistory(ctx.sql, v.id, q.data.league, q.data.window, q.data.history)) : undefined;
    return { model: v, stats, ...(history ? { history } : {}) };
  });

  app.get('/stats/models/:id/calibration.svg', async (req, reply) => {
    const p = idParam.safeParse(req.params);
    if (!p.success) throw invalid('model version id', p.error);
    const q = svgQuery.safeParse(req.query ?? {});
    if (!q.success) throw invalid('query', q.error);
    const v = await version(p.data.id);
    await knownLeague(q.data.league);
    const [row] = await pg(currentStats(ctx.sql, v.id, { league: q.data.league, window: q.data.window }));
    const stored = (row?.reliability ?? {}) as Record<string, StoredBins>;
    const rel = Object.fromEntries(Object.entries(stored).filter(([, t]) => typeof t === 'object').map(([k, t]) => [k, densify(t)])) as Record<string, BinSums>;
    const title = `${v.name} ${v.version} · ${q.data.league} · ${q.data.window} · n=${row?.n ?? 0}`;
    return reply.type('image/svg+xml').send(reliabilitySvg(title, { top: rel.top, home: rel.home, draw: rel.draw, away: rel.away }));
  });

  app.get('/stats/leaderboard', async (req) => {
    const q = boardQuery.safeParse(req.query ?? {});
    if (!q.success) throw invalid('query', q.error);
    await knownLeague(q.data.league);
    const days = WINDOW_DAYS[q.data.window];
    // "season" and "all" rank on every finished match the versions share (season: since the league's latest season began).
    let from: Date | null = days ? new Date(Date.now() - days * DAY_MS) : null;
    if (q.data.window === 'season') {
      const s = await pg(ctx.sql.maybeOne<{ from: Date | null }>(sql`SELECT min(m.kickoff) AS from FROM matches m JOIN competitions c ON c.id = m.competition_id
        WHERE m.season = (SELECT max(season) FROM matches m2 WHERE m2.competition_id = m.competition_id)
          ${q.data.league === ALL_LEAGUES ? sql.empty : sql`AND coalesce(c.slug, c.provider_id) = ${q.data.league}`}`));
      from = s?.from ?? null;
    }
    const board = await scan(leaderboard(ctx.sql, { league: q.data.league, from, versionIds: q.data.versions }));
    return { league: q.data.league, window: q.data.window, sharedMatches: board.matches, entries: board.entries };
  });
}
