// zod building blocks shared by the queue payloads (queues/*.ts) and the HTTP routes. A value that ends in
// a PostgreSQL column must fit that column: otherwise the request is accepted and the job fails on every
// attempt (or the route answers 500). Checking here, at the boundary, turns that into a 400 naming the
// field, and the worker's re-validation of the same schema agrees with the route.
import { z } from 'zod';

/** PostgreSQL `integer` (int4): every id column of the domain tables. */
export const INT4_MAX = 2_147_483_647;
/** PostgreSQL `bigint` (int8): dead-letter ids. */
export const INT8_MAX = 9_223_372_036_854_775_807n;
/** Day counts ("older than N days", "within N days"): ten years is already more than any retention. */
export const MAX_DAYS = 3_650;

/** A positive id of an int4 column. */
export const int4Id = () => z.number().int().positive().max(INT4_MAX, `must be at most ${INT4_MAX} (a PostgreSQL integer id)`);

/** The same from a URL path or query string ("17"). */
export const int4IdParam = () => z.coerce.number().int().positive().max(INT4_MAX, `must be at most ${INT4_MAX} (a PostgreSQL integer id)`);

/** A positive id of an int8 column, from a URL path or query string. */
export const int8IdParam = () =>
  z.string().regex(/^[1-9]\d*$/, 'must be a positive integer').transform((v) => BigInt(v)).refine((v) => v <= INT8_MAX, `must be at most ${INT8_MAX}`);

/** A number of days, 1 … MAX_DAYS (or `max`). */
export const dayCount = (max = MAX_DAYS) => z.number().int().min(1).max(max);

const NUL = /\u0000/;

/** Text that PostgreSQL can store: `text` and `jsonb` refuse the NUL character. */
export const text = (max: number, min = 1) => z.string().min(min).max(max).refine((v) => !NUL.test(v), 'must not contain NUL characters');

/** Whether year-month-day names a day of the calendar (2025-02-30 does not; Date would read it as 2025-03-02). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;

/**
 * An ISO date (2026-01-24) or date-time (2026-01-24T15:00:00Z) that exists: a real calendar day, hours
 * 0–23, minutes and seconds 0–59, an offset within ±14:59.
 */
export function isIsoDateOrDateTime(v: string): boolean {
  const m = ISO.exec(v);
  if (!m) return false;
  const [, y, mo, d, h = '0', mi = '0', s = '0', , oh = '0', om = '0'] = m;
  return isCalendarDate(Number(y), Number(mo), Number(d)) && Number(h) <= 23 && Number(mi) <= 59 && Number(s) <= 59
    && Number(oh) <= 14 && Number(om) <= 59 && !Number.isNaN(Date.parse(v));
}

export const isoDateOrDateTime = () =>
  z.string().refine(isIsoDateOrDateTime, 'must be a real ISO date (2026-01-24) or date-time (2026-01-24T15:00:00Z)');
