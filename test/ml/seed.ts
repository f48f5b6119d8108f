// Seeds a small synthetic league: clubs with known strengths, finished matches with Poisson scores drawn
// from those strengths (for the baseline), and scheduled matches to predict. Deterministic per seed.
import type { Db } from '../../src/db/client.js';

const DAY_MS = 86_400_000;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function poisson(lambda: number, r: () => number) {
  let k = 0, p = Math.exp(-lambda), cdf = p;
  const u = r();
  while (u > cdf && k < 15) {
    k += 1;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

export interface SeededLeague {
  competitionId: number;
  teamIds: number[];
  finishedIds: number[];
  upcomingIds: number[];
}

export async function seedLeague(db: Db, o: { slug: string; teams?: number; finished?: number; upcoming?: number; seed?: number; upcomingWithinDays?: number; now?: Date }): Promise<SeededLeague> {
  const n = o.teams ?? 10;
  const r = rng(o.seed ?? 42);
  const now = (o.now ?? new Date()).getTime();
  const competition = await db.competition.create({ data: { provider: 'test', providerId: o.slug.toUpperCase(), slug: o.slug, name: `League ${o.slug}` } });
  await db.team.createMany({ data: Array.from({ length: n }, (_, i) => ({ provider: 'test', providerId: `${o.slug}-t${i}`, name: `${o.slug} club ${i}` })) });
  const teamIds = (await db.team.findMany({ where: { provider: 'test', providerId: { startsWith: `${o.slug}-t` } }, orderBy: { providerId: 'asc' }, select: { id: true } })).map((t) => t.id);
  // Strength rises with the club's index: club n-1 is the best.
  const strength = teamIds.map((_, i) => (i - (n - 1) / 2) * 0.15);
  const pair = (k: number) => {
    const h = k % n;
    const a = (h + 1 + (Math.floor(k / n) % (n - 1))) % n;
    return [h, a] as const;
  };
  const finished = o.finished ?? 0;
  const upcoming = o.upcoming ?? 0;
  const within = o.upcomingWithinDays ?? 20;
  const rows = [];
  for (let k = 0; k < finished; k++) {
    const [h, a] = pair(k);
    rows.push({
      provider: 'test', providerId: `${o.slug}-f${k}`, competitionId: competition.id, homeTeamId: teamIds[h]!, awayTeamId: teamIds[a]!,
      kickoff: new Date(now - (finished - k) * (DAY_MS / 2)), status: 'FULL_TIME' as const,
      homeScore: poisson(Math.exp(0.3 + strength[h]! - strength[a]!), r), awayScore: poisson(Math.exp(strength[a]! - strength[h]!), r),
    });
  }
  for (let k = 0; k < upcoming; k++) {
    const [h, a] = pair(k);
    rows.push({
      provider: 'test', providerId: `${o.slug}-u${k}`, competitionId: competition.id, homeTeamId: teamIds[h]!, awayTeamId: teamIds[a]!,
      kickoff: new Date(now + 3_600_000 + Math.floor((k * within * DAY_MS * 0.9) / Math.max(1, upcoming))), status: 'SCHEDULED' as const,
    });
  }
  for (let i = 0; i < rows.length; i += 5_000) await db.match.createMany({ data: rows.slice(i, i + 5_000) });
  const ids = async (prefix: string) =>
    (await db.match.findMany({ where: { provider: 'test', providerId: { startsWith: `${o.slug}-${prefix}` } }, orderBy: [{ kickoff: 'asc' }, { id: 'asc' }], select: { id: true } })).map((m) => m.id);
  return { competitionId: competition.id, teamIds, finishedIds: await ids('f'), upcomingIds: await ids('u') };
}
