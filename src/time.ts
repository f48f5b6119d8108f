// Time helpers shared by the engine and the pipelines. Every timestamp column is `timestamp(3)` without
// a zone holding UTC (Prisma's DateTime): SQL gets UTC wall time, never a value PostgreSQL would shift by
// the session's time zone.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * UTC wall time for a `timestamp without time zone` parameter ('2026-11-26T18:25:00.000', cast with
 * `::timestamp`). A Date handed to pg instead is sent in the process's local zone. null stays null.
 */
export function utc(at: Date | number): string;
export function utc(at: Date | number | null): string | null;
export function utc(at: Date | number | null): string | null {
  if (at === null) return null;
  return (typeof at === 'number' ? new Date(at) : at).toISOString().slice(0, -1);
}

/** The UTC calendar date, YYYY-MM-DD. */
export const isoDate = (at: Date | number): string => (typeof at === 'number' ? new Date(at) : at).toISOString().slice(0, 10);

/** A `timestamp without time zone` as PostgreSQL prints it ('2026-11-26 18:25:00.123'), read as UTC. */
export function parseUtcTimestamp(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}Z`);
}
