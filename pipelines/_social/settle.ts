// Prediction settlement at full time: every pick of the match scored in one statement (3 points for the
// exact score, 1 for the right outcome), then each picker's profile statistics and leaderboard rows
// recomputed from all their settled picks. Recomputing (never adding) makes a corrected score re-settle
// exactly: the second settlement leaves what a first settlement with that score would have left.
import { tx, type Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import type { SocialEvent } from '../../queues/social-events.js';
import type { SocialEngineDeps } from './deps.js';
import { NOW } from './notify.js';
import type { Refs } from './references.js';
import { startFanout } from './start-fanout.js';

export const POINTS = { exact: 3, outcome: 1 } as const;

/** Board names: overall, weekly:<ISO year>-W<ISO week>, competition:<id>. */
export const WEEK_FORMAT = 'IYYY-"W"IW';

type Settled = Extract<SocialEvent, { type: 'prediction-settled' }>;

export async function settleMatch(deps: SocialEngineDeps, e: Settled, refs: Refs) {
  const matchId = refs.match!.id;
  const { homeScore: h, awayScore: a } = e;
  const scored = await tx(deps.sql, async (t) => {
    // Settlements recompute whole users: one at a time, so none overwrites another's picks with a stale view.
    await t.query(sql`SELECT pg_advisory_xact_lock(hashtext('matchday.social.settlement'))`);
    await t.execute(sql`INSERT INTO match_settlements (match_id, home_score, away_score, settled_at) VALUES (${matchId}, ${h}, ${a}, ${NOW})
      ON CONFLICT (match_id) DO UPDATE SET home_score = EXCLUDED.home_score, away_score = EXCLUDED.away_score, settled_at = EXCLUDED.settled_at`);
    const n = await t.execute(sql`
      UPDATE user_predictions SET
        outcome_correct = sign(home_score - away_score) = sign(${h}::int - ${a}::int),
        exact_score = (home_score = ${h}::int AND away_score = ${a}::int),
        points = CASE WHEN home_score = ${h}::int AND away_score = ${a}::int THEN ${POINTS.exact}::int
                      WHEN sign(home_score - away_score) = sign(${h}::int - ${a}::int) THEN ${POINTS.outcome}::int ELSE 0 END,
        settled_at = ${NOW}
      WHERE match_id = ${matchId}`);
    await recomputeProfiles(t, matchId);
    await recomputeBoards(t, matchId);
    return n;
  });
  const fanout = await startFanout(deps, {
    id: `settled-${matchId}-${h}-${a}`, audience: 'pickers', sourceId: matchId,
    type: 'prediction-settled', actorId: null, subjectType: 'match', subjectId: matchId, dedupeKey: `settled:${matchId}:${h}-${a}`,
    payload: { matchId: String(matchId), score: { home: h, away: a } }, feedPostId: null,
  });
  return { scored, ...fanout };
}

const pickersOf = (matchId: number) => sql`SELECT user_id FROM user_predictions WHERE match_id = ${matchId}`;

async function recomputeProfiles(t: Executor, matchId: number) {
  await t.execute(sql`INSERT INTO user_profiles (user_id, updated_at) SELECT user_id, ${NOW} FROM (${pickersOf(matchId)}) u ON CONFLICT DO NOTHING`);
  // Streaks: consecutive right outcomes in kick-off order; a run's rows share rn − (rank within outcome).
  await t.execute(sql`
    WITH o AS (
      SELECT up.user_id, up.outcome_correct, up.exact_score, up.points,
             row_number() OVER (PARTITION BY up.user_id ORDER BY m.kickoff, up.match_id) AS rn
      FROM user_predictions up JOIN matches m ON m.id = up.match_id
      WHERE up.user_id IN (${pickersOf(matchId)}) AND up.settled_at IS NOT NULL
    ),
    runs AS (
      SELECT user_id, count(*) AS len, max(rn) AS last FROM (
        SELECT user_id, rn, rn - row_number() OVER (PARTITION BY user_id ORDER BY rn) AS grp FROM o WHERE outcome_correct
      ) c GROUP BY user_id, grp
    ),
    s AS (
      SELECT o.user_id, count(*)::int AS settled, count(*) FILTER (WHERE o.outcome_correct)::int AS correct,
             count(*) FILTER (WHERE o.exact_score)::int AS exact, coalesce(sum(o.points), 0)::int AS points, max(o.rn) AS last
      FROM o GROUP BY o.user_id
    )
    UPDATE user_profiles p SET
      predictions_settled = s.settled, predictions_correct = s.correct, exact_scores = s.exact, points = s.points,
      accuracy = CASE WHEN s.settled > 0 THEN s.correct::float8 / s.settled ELSE 0 END,
      best_streak = coalesce((SELECT max(len) FROM runs r WHERE r.user_id = s.user_id), 0)::int,
      current_streak = coalesce((SELECT len FROM runs r WHERE r.user_id = s.user_id AND r.last = s.last), 0)::int,
      updated_at = ${NOW}
    FROM s WHERE p.user_id = s.user_id`);
}

/** The three boards this match counts on, recomputed for its pickers from all their settled picks. */
async function recomputeBoards(t: Executor, matchId: number) {
  await t.execute(sql`
    WITH mine AS (
      SELECT unnest(ARRAY['overall', 'weekly:' || to_char(kickoff, ${WEEK_FORMAT}), 'competition:' || competition_id]) AS board
      FROM matches WHERE id = ${matchId}
    )
    INSERT INTO leaderboard_entries (board, user_id, points, correct, settled, updated_at)
    SELECT b.board, up.user_id, coalesce(sum(up.points), 0)::int, count(*) FILTER (WHERE up.outcome_correct)::int, count(*)::int, ${NOW}
    FROM user_predictions up JOIN matches m ON m.id = up.match_id
    CROSS JOIN LATERAL (VALUES ('overall'), ('weekly:' || to_char(m.kickoff, ${WEEK_FORMAT})), ('competition:' || m.competition_id)) AS b(board)
    WHERE up.user_id IN (${pickersOf(matchId)}) AND up.settled_at IS NOT NULL AND b.board IN (SELECT board FROM mine)
    GROUP BY b.board, up.user_id
    ON CONFLICT (board, user_id) DO UPDATE SET points = EXCLUDED.points, correct = EXCLUDED.correct, settled = EXCLUDED.settled, updated_at = EXCLUDED.updated_at`);
}
