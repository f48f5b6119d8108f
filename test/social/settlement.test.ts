// Prediction settlement from the full-time match event, exact re-settlement on a corrected score, and the
// leaderboards paged by cursor.
import { describe, expect, it } from 'vitest';
import { onSocialMatchEvent } from '../../pipelines/_social/on-match-event.js';
import { sql } from '../../src/db/sql.js';
import { seedUsers, settledJob, useSocialEngine } from './support.js';

const f = useSocialEngine();

async function seedMatches() {
  const comp = (await f.sql.one<{ id: number }>(sql`INSERT INTO competitions (provider, provider_id, name, updated_at) VALUES ('test', 'C1', 'Cup', now()) RETURNING id`)).id;
  const teams = await f.sql.query<{ id: number }>(sql`INSERT INTO teams (provider, provider_id, name, updated_at) VALUES ('test', 'T1', 'Reds', now()), ('test', 'T2', 'Blues', now()) RETURNING id`);
  const [home, away] = teams.map((t) => t.id) as [number, number];
  // Saturday and Sunday of ISO week 2026-W48, kick-off order = streak order.
  const m = await f.sql.query<{ id: number }>(sql`INSERT INTO matches (provider, provider_id, competition_id, home_team_id, away_team_id, kickoff, status, updated_at)
    VALUES ('test', 'M1', ${comp}, ${home}, ${away}, '2026-11-28 15:00', 'FULL_TIME', now()), ('test', 'M2', ${comp}, ${away}, ${home}, '2026-11-29 15:00', 'FULL_TIME', now()) RETURNING id`);
  await f.sql.execute(sql`INSERT INTO team_follows (team_id, user_id) VALUES (${home}, 1), (${home}, 2), (${away}, 2), (${away}, 3)`);
  return { comp, m1: m[0]!.id, m2: m[1]!.id };
}

const fullTime = (matchId: number, h: number, a: number, kind = 'full-time') =>
  onSocialMatchEvent({ eventId: `${matchId}-${kind}-${h}-${a}`, matchId, kind, eventKey: `${kind}:${h}-${a}`, status: 'FULL_TIME', homeScore: h, awayScore: a }, f.engine.deps);

const settle = async (matchId: number, h: number, a: number, kind?: string) => {
  await fullTime(matchId, h, a, kind);
  const job = await settledJob(f, 'social-events', `settle-${matchId}-${h}-${a}`);
  expect(job.state, JSON.stringify(job.failedReason)).toBe('completed');
  return job;
};

const profiles = () => f.sql.query(sql`SELECT user_id, predictions_settled AS settled, predictions_correct AS correct, exact_scores AS exact, points, current_streak AS streak, best_streak AS best
  FROM user_profiles WHERE user_id BETWEEN 1 AND 4 ORDER BY user_id`);

describe('prediction settlement', () => {
  it('scores every pick at full time, re-settles a corrected score exactly, and pages the leaderboards', async () => {
    await seedUsers(f.sql, 1, 4);
    const { comp, m1, m2 } = await seedMatches();
    await f.sql.execute(sql`INSERT INTO user_predictions (user_id, match_id, home_score, away_score) VALUES
      (1, ${m1}, 2, 1), (2, ${m1}, 1, 0), (3, ${m1}, 0, 0), (4, ${m1}, 1, 2),
      (1, ${m2}, 1, 1), (2, ${m2}, 0, 0), (3, ${m2}, 2, 0)`);
    await settle(m1, 2, 1);
    await settle(m2, 0, 0);
    expect(await profiles()).toEqual([
      { user_id: 1, settled: 2, correct: 2, exact: 1, points: 4, streak: 2, best: 2 },
      { user_id: 2, settled: 2, correct: 2, exact: 1, points: 4, streak: 2, best: 2 },
      { user_id: 3, settled: 2, correct: 0, exact: 0, points: 0, streak: 0, best: 0 },
      { user_id: 4, settled: 1, correct: 0, exact: 0, points: 0, streak: 0, best: 0 },
    ]);
    // Full time also told the teams' followers, once each (user 2 follows both teams).
    const teamsJob = await settledJob(f, 'social-events', `teams-${m1}-full-time-2-1`);
    expect(teamsJob.state).toBe('completed');
    const told = await f.sql.query(sql`SELECT recipient_id, payload->>'kind' AS kind FROM notifications WHERE type = 'match-event' AND subject_id = ${m1} ORDER BY recipient_id`);
    expect(told).toEqual([{ recipient_id: 1, kind: 'full-time' }, { recipient_id: 2, kind: 'full-time' }, { recipient_id: 3, kind: 'full-time' }]);
    const n = await f.sql.one(sql`SELECT payload FROM notifications WHERE recipient_id = 1 AND dedupe_key = ${`settled:${m1}:2-1`}`);
    expect(n.payload).toMatchObject({ matchId: String(m1), score: { home: 2, away: 1 }, correct: true, exactScore: true, points: 3 });

    // The same full-time event again: nothing changes, nobody is notified twice.
    await fullTime(m1, 2, 1);
    // Corrected to 1-1: re-settled as if 1-1 had been the first result (no points kept from 2-1).
    await settle(m1, 1, 1, 'score-corrected');
    expect(await profiles()).toEqual([
      { user_id: 1, settled: 2, correct: 1, exact: 0, points: 1, streak: 1, best: 1 },
      { user_id: 2, settled: 2, correct: 1, exact: 1, points: 3, streak: 1, best: 1 },
      { user_id: 3, settled: 2, correct: 1, exact: 0, points: 1, streak: 0, best: 1 },
      { user_id: 4, settled: 1, correct: 0, exact: 0, points: 0, streak: 0, best: 0 },
    ]);
    const settledN = await f.sql.query(sql`SELECT recipient_id, dedupe_key, (payload->>'correct')::bool AS correct FROM notifications WHERE type = 'prediction-settled' AND subject_id = ${m1} ORDER BY dedupe_key, recipient_id`);
    expect(settledN).toHaveLength(8);
    expect(settledN.filter((r) => r.dedupe_key === `settled:${m1}:1-1` && r.correct).map((r) => r.recipient_id)).toEqual([3]);

    // Boards: overall, the week, the competition; ties by user id, newest-first cursor paging.
    const page1 = await f.engine.request('GET', '/social/leaderboards/overall?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((i: { userId: number; points: number }) => [i.userId, i.points])).toEqual([[2, 3], [3, 1]]);
    const page2 = await f.engine.request('GET', `/social/leaderboards/overall?limit=2&cursor=${page1.body.next}`);
    expect(page2.body.items.map((i: { userId: number; points: number }) => [i.userId, i.points])).toEqual([[1, 1], [4, 0]]);
    expect(page2.body.next).toBeNull();
    const weekly = await f.engine.request('GET', '/social/leaderboards/weekly:2026-W48');
    expect(weekly.body.items.map((i: { userId: number }) => i.userId)).toEqual([2, 3, 1, 4]);
    const cup = await f.engine.request('GET', `/social/leaderboards/competition:${comp}`);
    expect(cup.body.items).toHaveLength(4);
    expect((await f.engine.request('GET', '/social/leaderboards/monthly')).status).toBe(400);
    expect((await f.engine.request('GET', '/social/leaderboards/overall?cursor=abc')).body.error).toMatch(/cursor/);
  });
});
