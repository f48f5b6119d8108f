// Live prediction updates: when a match is (re-)predicted, `prediction:update` goes to room `match:{id}`
// with the new probabilities and their change since the previous prediction, and the latest prediction
// per match is kept in Redis (PREDICTION_LIVE_TTL_SECONDS) so the backend reads it without a query.
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { PAYLOAD_VERSION, type PredictionMessage, type Realtime } from './realtime.js';

export interface StoredPrediction {
  matchId: number;
  home: number;
  draw: number;
  away: number;
  xgHome: number | null;
  xgAway: number | null;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function predictionPublisher(realtime: Realtime, db: Executor) {
  return async (modelVersion: string, rows: readonly StoredPrediction[]): Promise<void> => {
    if (!rows.length) return;
    const ids = rows.map((r) => r.matchId);
    const kept = await realtime.latest(ids);
    const previous = new Map<number, { home: number; draw: number; away: number }>();
    kept.forEach((m, i) => m && previous.set(ids[i]!, m.probabilities));
    // Not in Redis (expired, or first run since a restart): the row before the one just stored.
    const missing = ids.filter((id) => !previous.has(id));
    if (missing.length) {
      const before = await db.query<{ match_id: number; p_home: number; p_draw: number; p_away: number }>(sql`
        SELECT match_id, p_home, p_draw, p_away FROM (
          SELECT match_id, p_home, p_draw, p_away, row_number() OVER (PARTITION BY match_id ORDER BY id DESC) AS rn
          FROM predictions WHERE match_id = ANY(${sql.array(missing, 'int')})
        ) x WHERE rn = 2`);
      for (const b of before) previous.set(b.match_id, { home: b.p_home, draw: b.p_draw, away: b.p_away });
    }
    const at = new Date().toISOString();
    await realtime.predictions(rows.map((r): PredictionMessage => {
      const p = previous.get(r.matchId);
      return {
        v: PAYLOAD_VERSION, matchId: String(r.matchId), modelVersion,
        probabilities: { home: r.home, draw: r.draw, away: r.away },
        change: p ? { home: round(r.home - p.home), draw: round(r.draw - p.draw), away: round(r.away - p.away) } : null,
        expectedGoals: { home: r.xgHome, away: r.xgAway }, predictedAt: at,
      };
    }));
  };
}
