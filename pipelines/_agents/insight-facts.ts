// The factual context of a match insight, from the database only: teams, each side's last five results,
// the latest prediction, the weather at kick-off and the last week's team news with injury flags. A few
// rows per insight: Prisma's model API.
import type { Db } from '../../src/db/client.js';
import type { MatchFacts, TeamForm } from './insight-text.js';

const FINISHED = ['FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES'] as const;
const NEWS_DAYS = 7;

async function form(db: Db, teamId: number, name: string, before: Date): Promise<TeamForm> {
  const matches = await db.match.findMany({
    where: { status: { in: [...FINISHED] }, kickoff: { lt: before }, OR: [{ homeTeamId: teamId }, { awayTeamId: teamId }], homeScore: { not: null }, awayScore: { not: null } },
    orderBy: { kickoff: 'desc' },
    take: 5,
    select: { homeTeamId: true, homeScore: true, awayScore: true, homeTeam: { select: { name: true } }, awayTeam: { select: { name: true } } },
  });
  return {
    name,
    results: matches.map((m) => {
      const home = m.homeTeamId === teamId;
      const f = home ? m.homeScore! : m.awayScore!;
      const a = home ? m.awayScore! : m.homeScore!;
      return { outcome: f > a ? 'W' : f < a ? 'L' : 'D', for: f, against: a, opponent: (home ? m.awayTeam?.name : m.homeTeam?.name) ?? '?', home };
    }),
  };
}

const pct = (p: number) => Math.round(p * 100);

export async function buildFacts(db: Db, matchId: number): Promise<MatchFacts | null> {
  const m = await db.match.findUnique({ where: { id: matchId }, include: { homeTeam: true, awayTeam: true } });
  if (!m?.homeTeam || !m.awayTeam) return null;
  const since = new Date(Date.now() - NEWS_DAYS * 86_400_000);
  const [home, away, prediction, weather, news] = await Promise.all([
    form(db, m.homeTeam.id, m.homeTeam.name, m.kickoff),
    form(db, m.awayTeam.id, m.awayTeam.name, m.kickoff),
    db.prediction.findFirst({ where: { matchId }, orderBy: { createdAt: 'desc' }, include: { modelVersion: { select: { version: true } } } }),
    db.weatherForecast.findFirst({ where: { matchId }, orderBy: { issuedAt: 'desc' } }),
    db.articleTeam.findMany({
      where: { teamId: { in: [m.homeTeam.id, m.awayTeam.id] }, article: { OR: [{ published: { gte: since } }, { published: null, createdAt: { gte: since } }] } },
      include: { article: { select: { headline: true, flags: true, published: true } }, team: { select: { name: true } } },
      orderBy: { article: { published: 'desc' } },
      take: 6,
    }),
  ]);
  const live = !['SCHEDULED', 'POSTPONED', 'CANCELLED'].includes(m.status) && m.homeScore !== null && m.awayScore !== null;
  return {
    matchId,
    kickoff: m.kickoff.toISOString(),
    status: m.status,
    home,
    away,
    score: live ? { home: m.homeScore!, away: m.awayScore! } : null,
    prediction: prediction ? { home: pct(prediction.pHome), draw: pct(prediction.pDraw), away: pct(prediction.pAway), modelVersion: prediction.modelVersion.version } : null,
    weather: weather ? { temperatureC: weather.temperatureC, precipitationMm: weather.precipitationMm, windSpeedMs: weather.windSpeedMs } : null,
    news: news.map((n) => ({ team: n.team.name, headline: n.article.headline.slice(0, 200), flags: n.article.flags })),
  };
}
