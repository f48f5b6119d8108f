// Reads football-data.co.uk CSVs for the backfill like the evaluation reads them
// (_baseline-model/football-data.ts: same cells, same parsing), but keeps what it cannot load instead of
// dropping it silently or failing the whole league: a file without a required column and a row with a
// bad cell or an unknown club are quarantined with the reason, the rest is loaded.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseIntCell, parseMatchDate, parseOddsCell, splitCsvLine, type MatchRecord } from '../../_baseline-model/football-data.js';

export const REQUIRED_COLUMNS = ['Date', 'HomeTeam', 'AwayTeam', 'FTHG', 'FTAG'] as const;

export interface CsvMatch extends MatchRecord {
  /** "HH:MM" UK time when the file has a Time column (from 2019-20 on). */
  time: string | null;
  /** 1-based line of the CSV file. */
  line: number;
}

export interface Quarantined {
  /** Stable across runs: `<league>/<season>` for a file, `<league>/<season>:<line>` for a row. */
  recordKey: string;
  reason: string;
  raw: Record<string, string>;
}

export interface LeagueCsv { rows: CsvMatch[]; quarantined: Quarantined[]; files: number }

/** A season file with at least this many rows names every club of the league several times … */
const FULL_SEASON_ROWS = 50;
/** … so a club named in fewer rows than this is a typo or a club of another competition. */
const MIN_ROWS_PER_CLUB = 3;
const MAX_TEAM_NAME = 100;

export function parseLeagueCsv(text: string, league: string, season: string): { rows: CsvMatch[]; quarantined: Quarantined[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const key = `${league}/${season}`;
  if (missing.length) {
    return { rows: [], quarantined: [{ recordKey: key, reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, raw: { header: header.join(',') } }] };
  }
  const col = (name: string) => header.indexOf(name);
  const [iDate, iHome, iAway, iHG, iAG, iTime] = ['Date', 'HomeTeam', 'AwayTeam', 'FTHG', 'FTAG', 'Time'].map(col) as [number, number, number, number, number, number];
  const iOdds = [col('PSCH'), col('PSCD'), col('PSCA')];
  const rows: CsvMatch[] = [];
  const quarantined: Quarantined[] = [];
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '' || /^,*$/.test(line.trim())) continue;
    const cells = splitCsvLine(line);
    const raw = Object.fromEntries(REQUIRED_COLUMNS.map((c) => [c, cells[col(c)] ?? '']));
    const date = parseMatchDate(cells[iDate] ?? '');
    const home = (cells[iHome] ?? '').trim();
    const away = (cells[iAway] ?? '').trim();
    const hg = parseIntCell(cells[iHG]);
    const ag = parseIntCell(cells[iAG]);
    const problems = [
      !date && `Date "${cells[iDate] ?? ''}" is not a date`,
      !home && 'HomeTeam is empty',
      !away && 'AwayTeam is empty',
      (home.length > MAX_TEAM_NAME || away.length > MAX_TEAM_NAME || /\u0000/.test(home + away)) && 'a team name is too long or holds NUL',
      home && home === away && 'HomeTeam and AwayTeam are the same club',
      hg === null && `FTHG "${cells[iHG] ?? ''}" is not a goal count`,
      ag === null && `FTAG "${cells[iAG] ?? ''}" is not a goal count`,
    ].filter(Boolean);
    if (problems.length) { quarantined.push({ recordKey: `${key}:${li + 1}`, reason: problems.join('; '), raw }); continue; }
    const odds = iOdds.map((i) => (i >= 0 ? parseOddsCell(cells[i]) : null));
    const closingOdds = odds[0] && odds[1] && odds[2] ? ([odds[0], odds[1], odds[2]] as [number, number, number]) : null;
    const t = iTime >= 0 ? (cells[iTime] ?? '').trim() : '';
    rows.push({ date: date!, home, away, homeGoals: hg!, awayGoals: ag!, league, season, closingOdds, time: /^\d{1,2}:\d{2}$/.test(t) ? t : null, line: li + 1 });
  }
  // Unknown clubs: in a full season every club appears in many rows.
  if (rows.length >= FULL_SEASON_ROWS) {
    const count = new Map<string, number>();
    for (const r of rows) for (const t of [r.home, r.away]) count.set(t, (count.get(t) ?? 0) + 1);
    const unknown = (t: string) => (count.get(t) ?? 0) < MIN_ROWS_PER_CLUB;
    for (let i = rows.length - 1; i >= 0; i--) {
      const r = rows[i]!;
      const bad = [r.home, r.away].filter(unknown);
      if (!bad.length) continue;
      quarantined.push({ recordKey: `${key}:${r.line}`, reason: `unknown team${bad.length > 1 ? 's' : ''} ${bad.map((t) => `"${t}"`).join(', ')} (named in fewer than ${MIN_ROWS_PER_CLUB} matches of the season)`, raw: { Date: r.date.toISOString().slice(0, 10), HomeTeam: r.home, AwayTeam: r.away, FTHG: String(r.homeGoals), FTAG: String(r.awayGoals) } });
      rows.splice(i, 1);
    }
  }
  return { rows, quarantined };
}

/** Every <folder>/<league>/<season>.csv, rows sorted by date (stable: same-day rows keep file order, as the evaluation does). */
export function readLeagueFolder(folder: string, league: string): LeagueCsv {
  const dir = path.join(folder, league);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`no folder for league ${league} in ${folder}`);
  const rows: CsvMatch[] = [];
  const quarantined: Quarantined[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  for (const file of files) {
    const r = parseLeagueCsv(readFileSync(path.join(dir, file), 'utf8'), league, file.replace(/\.csv$/, ''));
    rows.push(...r.rows);
    quarantined.push(...r.quarantined);
  }
  rows.sort((a, b) => a.date.getTime() - b.date.getTime());
  return { rows, quarantined, files: files.length };
}

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** Kick-off instant: the CSV's UK time (15:00 when the file has none) converted to UTC. */
export function kickoffOf(r: Pick<CsvMatch, 'date' | 'time'>): Date {
  const [h, m] = (r.time ?? '15:00').split(':').map(Number) as [number, number];
  const guess = Date.UTC(r.date.getUTCFullYear(), r.date.getUTCMonth(), r.date.getUTCDate(), h, m);
  // Europe/London's offset at that moment (0 in winter, +1 in summer), from the platform's time zone data.
  const parts = LONDON.formatToParts(new Date(guess));
  const local = Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
  let offset = local - (h * 60 + m);
  if (offset > 720) offset -= 1440;
  if (offset < -720) offset += 1440;
  return new Date(guess - offset * 60_000);
}
