// Resolves a batch selection to the ids of predictable matches (both teams known), nearest kick-off first.
import type { PredictionSelection } from '../../queues/ml-predict-batch.js';
import type { Sql } from '../../src/db/sql.js';
import { NonRetryableError } from '../../src/queue/errors.js';

const DAY_MS = 86_400_000;

export class UnknownLeagueError extends NonRetryableError {
  override name = 'UnknownLeagueError';
}

/** The competitions a `league` names: by slug or by provider id (several providers may share one). */
export async function competitionsFor(db: Sql, league: string): Promise<number[]> {
  const rows = await db.$queryRawUnsafe<Array<{ id: number }>>('SELECT id FROM competitions WHERE slug = $1 OR provider_id = $1', league);
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
export async function resolveSelection(db: Sql, s: PredictionSelection, now = new Date()): Promise<{ matchIds: number[]; skipped: number }> {
  let where: string;
  let params: unknown[];
  let requested: number | null = null;
  if (s.matchIds) {
    const unique = [...new Set(s.matchIds)];
    requested = unique.length;
    [where, params] = ['id = ANY($1::int[])', [unique]];
  } else if (s.league !== undefined) {
    const competitions = await competitionsFor(db, s.league);
    if (!competitions.length) throw new UnknownLeagueError(`no competition with slug or provider id "${s.league}"`);
    const w = window(s.from!, s.to!);
    [where, params] = ['competition_id = ANY($1::int[]) AND kickoff >= $2::timestamp AND kickoff < $3::timestamp', [competitions, utc(w.gte), utc(w.lt)]];
  } else {
    [where, params] = [`status = 'SCHEDULED' AND kickoff >= $1::timestamp AND kickoff <= $2::timestamp`, [utc(now), utc(new Date(now.getTime() + s.scheduledWithinDays! * DAY_MS))]];
  }
  const [row] = await db.$queryRawUnsafe<Array<{ ids: number[] | null; selected: number }>>(
    `SELECT array_agg(id ORDER BY kickoff, id) FILTER (WHERE home_team_id IS NOT NULL AND away_team_id IS NOT NULL) AS ids,
            count(*)::int AS selected
     FROM matches WHERE ${where}`,
    ...params,
  );
  const matchIds = (row?.ids ?? []).map(Number);
  // Requested ids that do not exist are skipped too.
  return { matchIds, skipped: (requested ?? Number(row?.selected ?? 0)) - matchIds.length };
}

// Timestamp columns hold UTC wall time without a zone.
const utc = (d: Date) => d.toISOString().slice(0, -1);

export function splitIntoChunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
