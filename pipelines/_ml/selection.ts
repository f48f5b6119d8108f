// Resolves a batch selection to the ids of predictable matches (both teams known), nearest kick-off first.
import type { PredictionSelection } from '../../queues/ml-predict-batch.js';
import type { Executor } from '../../src/db/executor.js';
import { sql, type Fragment } from '../../src/db/sql.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import { DAY_MS, utc } from '../../src/time.js';

export class UnknownLeagueError extends NonRetryableError {
  override name = 'UnknownLeagueError';
}

/** The competitions a `league` names: by slug or by provider id (several providers may share one). */
export async function competitionsFor(ex: Executor, league: string): Promise<number[]> {
  const rows = await ex.query<{ id: number }>(sql`SELECT id FROM competitions WHERE slug = ${league} OR provider_id = ${league}`);
  return rows.map((r) => Number(r.id));
}

/** A date-only `to` means "to the end of that day" (UTC). */
export function window(from: string, to: string): { gte: Date; lt: Date } {
  const end = /^\d{4}-\d{2}-\d{2}$/.test(to) ? Date.parse(to) + DAY_MS : Date.parse(to) + 1;
  return { gte: new Date(Date.parse(from)), lt: new Date(end) };
}

/**
 * One query whatever the size of the selection: PostgreSQL returns the predictable ids (both teams
 * known), nearest kick-off first, as one array, and how many selected matches are not predictable.
 */
export async function resolveSelection(ex: Executor, s: PredictionSelection, now = new Date()): Promise<{ matchIds: number[]; skipped: number }> {
  let where: Fragment;
  let requested: number | null = null;
  if (s.matchIds) {
    const unique = [...new Set(s.matchIds)];
    requested = unique.length;
    where = sql`id = ANY(${unique}::int[])`;
  } else if (s.league !== undefined) {
    const competitions = await competitionsFor(ex, s.league);
    if (!competitions.length) throw new UnknownLeagueError(`no competition with slug or provider id "${s.league}"`);
    const w = window(s.from!, s.to!);
    where = sql`competition_id = ANY(${competitions}::int[]) AND kickoff >= ${utc(w.gte)}::timestamp AND kickoff < ${utc(w.lt)}::timestamp`;
  } else {
    where = sql`status = 'SCHEDULED' AND kickoff >= ${utc(now)}::timestamp AND kickoff <= ${utc(now.getTime() + s.scheduledWithinDays! * DAY_MS)}::timestamp`;
  }
  // An aggregate without GROUP BY: always one row.
  const row = await ex.one<{ ids: number[] | null; selected: number }>(sql`
    SELECT array_agg(id ORDER BY kickoff, id) FILTER (WHERE home_team_id IS NOT NULL AND away_team_id IS NOT NULL) AS ids,
           count(*)::int AS selected
    FROM matches WHERE ${where}`);
  const matchIds = (row.ids ?? []).map(Number);
  // Requested ids that do not exist are skipped too.
  return { matchIds, skipped: (requested ?? Number(row.selected)) - matchIds.length };
}

export function splitIntoChunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
