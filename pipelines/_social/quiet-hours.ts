// Quiet hours and the daily cap are in the user's own time zone (user_profiles.timezone). Pure.

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight at `at` in `timeZone` (an unknown zone counts as UTC). */
export function localMinute(timeZone: string, at: Date): number {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    }
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/** Whether `minute` falls in [start, end), a window that may wrap midnight (22:00–07:00). */
export function inQuiet(minute: number, start: number | null, end: number | null): boolean {
  if (start === null || end === null || start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** When the quiet window containing `at` ends (whole minutes). */
export function quietEndsAt(at: Date, minute: number, end: number): Date {
  const ahead = (end - minute + 1440) % 1440 || 1440;
  const t = new Date(at.getTime() + ahead * 60_000);
  t.setUTCSeconds(0, 0);
  return t;
}

/** The start of the user's local day containing `at`, as a UTC instant. */
export const localDayStart = (at: Date, minute: number) => new Date(Math.floor(at.getTime() / 60_000) * 60_000 - minute * 60_000);
