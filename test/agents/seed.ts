// A match worth an insight: two clubs with recent results, a prediction (50 / 25 / 25 %), the weather at
// kick-off and an injury report from the last week.
import type { Db } from '../../src/db/client.js';

const DAY_MS = 86_400_000;

export async function seedMatch(db: Db): Promise<{ matchId: number; homeId: number; awayId: number }> {
  const comp = await db.competition.create({ data: { provider: 'test', providerId: 'EPL', slug: 'eng.1', name: 'Premier League' } });
  const [home, away, other] = await Promise.all(['Arsenal', 'Chelsea', 'Fulham'].map((name, i) => db.team.create({ data: { provider: 'test', providerId: `t${i}`, name } })));
  const m = (i: number, h: number, a: number, kickoff: number, score?: [number, number]) =>
    db.match.create({
      data: {
        provider: 'test', providerId: `m${i}`, competitionId: comp.id, homeTeamId: h, awayTeamId: a, kickoff: new Date(kickoff),
        status: score ? 'FULL_TIME' : 'SCHEDULED', homeScore: score?.[0] ?? null, awayScore: score?.[1] ?? null,
      },
    });
  const now = Date.now();
  await m(1, home!.id, other!.id, now - 7 * DAY_MS, [2, 1]);
  await m(2, other!.id, away!.id, now - 6 * DAY_MS, [0, 0]);
  const match = await m(3, home!.id, away!.id, now + 2 * DAY_MS);
  const version = await db.modelVersion.create({ data: { name: 'baseline', version: 'baseline-test-1', source: 'BASELINE', stage: 'ACTIVE' } });
  await db.prediction.create({
    data: { matchId: match.id, modelVersionId: version.id, runKey: 'seed', pHome: 0.5, pDraw: 0.25, pAway: 0.25, predictedOutcome: 'HOME', confidence: 0.5, confidenceLevel: 'medium' },
  });
  await db.weatherForecast.create({ data: { matchId: match.id, source: 'FORECAST', issuedAt: new Date(now), forecastFor: match.kickoff, temperatureC: 9, precipitationMm: 1.5, windSpeedMs: 4 } });
  const article = await db.article.create({ data: { provider: 'test', link: 'https://example.com/a', headline: 'Arsenal striker out with a hamstring injury', published: new Date(now - DAY_MS), flags: ['injury'] } });
  await db.articleTeam.create({ data: { articleId: article.id, teamId: home!.id } });
  return { matchId: match.id, homeId: home!.id, awayId: away!.id };
}
