// Loads an ESPN match summary: attendance and officials, team statistics, lineups and key events,
// each set-based and written only when it changed.
import type { MatchEvent } from '../_feeds/events.js';
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { loadKeyEvents } from './load.js';
import type { MatchSummaryRecord } from './summary.js';

export interface SummaryLoad {
  matchId: number | null;
  written: number;
  events: MatchEvent[];
}

export async function loadSummary(tx: Executor, s: MatchSummaryRecord): Promise<SummaryLoad> {
  const found = await tx.maybeOne<{ id: number }>(sql`SELECT id FROM matches WHERE provider = 'espn' AND provider_id = ${s.providerId}`);
  if (!found) return { matchId: null, written: 0, events: [] };
  const matchId = Number(found.id);
  let written = 0;

  // Status and score come from the scoreboard alone (fetched every minute while live): two sources
  // fetched at different moments would otherwise flip a match back and forth and emit events twice.
  const officials = JSON.stringify(s.officials);
  written += await tx.execute(sql`
    UPDATE matches SET attendance = COALESCE(${s.attendance}::int, attendance), officials = ${officials}::jsonb, updated_at = now()
    WHERE id = ${matchId} AND (attendance, officials) IS DISTINCT FROM (COALESCE(${s.attendance}::int, attendance), ${officials}::jsonb)`);
  const events: MatchEvent[] = [];

  const providerIds = [...new Set([...Object.keys(s.teamStats), ...s.lineups.map((l) => l.teamProviderId), ...s.keyEvents.flatMap((e) => (e.teamProviderId ? [e.teamProviderId] : []))])];
  const teams = await tx.query<{ id: number; provider_id: string }>(sql`SELECT id, provider_id FROM teams WHERE provider = 'espn' AND provider_id = ANY(${providerIds}::text[])`);
  const teamIds = new Map(teams.map((t) => [t.provider_id, Number(t.id)]));

  const stats = Object.values(s.teamStats).filter((t) => teamIds.has(t.teamProviderId));
  if (stats.length) {
    written += await tx.execute(sql`
      INSERT INTO match_team_stats (match_id, team_id, stats, updated_at)
      SELECT ${matchId}::int, t.team_id, t.stats, now()
      FROM unnest(${stats.map((t) => teamIds.get(t.teamProviderId)!)}::int[], ${stats.map(({ teamProviderId: _id, homeAway: _side, ...rest }) => JSON.stringify(rest))}::jsonb[]) AS t(team_id, stats)
      ON CONFLICT (match_id, team_id) DO UPDATE SET stats = excluded.stats, updated_at = now()
      WHERE match_team_stats.stats IS DISTINCT FROM excluded.stats`);
  }
  const lineups = s.lineups.filter((l) => teamIds.has(l.teamProviderId));
  if (lineups.length) {
    written += await tx.execute(sql`
      INSERT INTO lineups (match_id, team_id, formation, starters, substitutes, updated_at)
      SELECT ${matchId}::int, t.team_id, t.formation, t.starters, t.substitutes, now()
      FROM unnest(${lineups.map((l) => teamIds.get(l.teamProviderId)!)}::int[], ${lineups.map((l) => l.formation)}::text[],
        ${lineups.map((l) => JSON.stringify(l.starters))}::jsonb[], ${lineups.map((l) => JSON.stringify(l.substitutes))}::jsonb[]) AS t(team_id, formation, starters, substitutes)
      ON CONFLICT (match_id, team_id) DO UPDATE SET formation = excluded.formation, starters = excluded.starters, substitutes = excluded.substitutes, updated_at = now()
      WHERE (lineups.formation, lineups.starters, lineups.substitutes) IS DISTINCT FROM (excluded.formation, excluded.starters, excluded.substitutes)`);
  }
  const newKeyEvents = await loadKeyEvents(tx, s.keyEvents.map((event) => ({ matchId, event })), teamIds);
  written += newKeyEvents.length;
  for (const k of newKeyEvents) {
    if (k.kind === 'red-card') events.push({ matchId, kind: 'red-card', eventKey: `red-card:${k.eventKey}`, status: s.status, homeScore: s.homeScore, awayScore: s.awayScore });
  }
  return { matchId, written, events };
}
