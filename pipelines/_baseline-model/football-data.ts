// Reader for football-data.co.uk CSVs (<Div>/<season>.csv) and the results-pddl history layout
// (<league-slug>/season-<YYZZ>.csv). Only results and the Pinnacle closing 1X2 prices are kept: the
// prices are used to score the benchmark, never as model inputs.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ResultRow } from './model.js';

export interface MatchRecord extends ResultRow {
  league: string;
  season: string;
  /** Pinnacle closing decimal odds H/D/A; null when any of the three cells is missing or invalid. */
  closingOdds: [number, number, number] | null;
}

export const LEAGUE_CODES = ['E0', 'SP1', 'I1', 'D1', 'F1'] as const;

/** results-pddl folder names for the football-data division codes. */
export const PDDL_LEAGUE_DIRS: Record<string, string> = {
  E0: 'premier-league',
  SP1: 'la-liga',
  I1: 'serie-a',
  D1: 'bundesliga',
  F1: 'ligue-1',
};

/** Splits one CSV line; quoted cells are rare in these files but legal, so they are honoured. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Accepts dd/mm/yy (older seasons), dd/mm/yyyy (newer ones) and ISO yyyy-mm-dd (results-pddl).
 * Two-digit years are 19xx from 70 on, as in football-data's own archive (it starts in 1993).
 * Returns a UTC-midnight Date, or null when the cell is not a valid calendar date.
 */
export function parseMatchDate(cell: string): Date | null {
  const s = cell.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(s);
  if (match) {
    d = Number(match[1]); m = Number(match[2]); y = Number(match[3]);
    if (match[3]!.length === 2) y += y >= 70 ? 1900 : 2000;
  } else {
    match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (!match) return null;
    y = Number(match[1]); m = Number(match[2]); d = Number(match[3]);
  }
  const t = Date.UTC(y, m - 1, d);
  const date = new Date(t);
  // Rejects 31/02 and the like instead of silently rolling over into the next month.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date;
}

/** Integer cell that may be written as `2.0` upstream; empty or fractional cells give null. */
export function parseIntCell(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const s = cell.trim();
  if (s === '') return null;
  const v = Number(s);
  if (!Number.isFinite(v) || !Number.isInteger(v) || v < 0) return null;
  return v;
}

/** Decimal odds cell; odds ≤ 1 cannot be a price, so they count as missing. */
export function parseOddsCell(cell: string | undefined): number | null {
  if (cell === undefined || cell.trim() === '') return null;
  const v = Number(cell);
  return Number.isFinite(v) && v > 1 ? v : null;
}

/** Parses one CSV file's text. Rows without a full-time result (fixtures, blank lines) are skipped. */
export function parseFootballDataCsv(text: string, league: string, season: string): MatchRecord[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const col = (name: string): number => header.indexOf(name);
  const iDate = col('Date'), iHome = col('HomeTeam'), iAway = col('AwayTeam'), iHG = col('FTHG'), iAG = col('FTAG');
  if (iDate < 0 || iHome < 0 || iAway < 0 || iHG < 0 || iAG < 0) {
    throw new Error(`${league}/${season}: missing one of the columns Date, HomeTeam, AwayTeam, FTHG, FTAG`);
  }
  const iOdds = [col('PSCH'), col('PSCD'), col('PSCA')];
  const out: MatchRecord[] = [];
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    const date = parseMatchDate(cells[iDate] ?? '');
    const home = (cells[iHome] ?? '').trim();
    const away = (cells[iAway] ?? '').trim();
    const hg = parseIntCell(cells[iHG]);
    const ag = parseIntCell(cells[iAG]);
    if (!date || !home || !away || hg === null || ag === null) continue;
    const odds = iOdds.map((i) => (i >= 0 ? parseOddsCell(cells[i]) : null));
    const closingOdds = odds[0] && odds[1] && odds[2] ? ([odds[0], odds[1], odds[2]] as [number, number, number]) : null;
    out.push({ date, home, away, homeGoals: hg, awayGoals: ag, league, season, closingOdds });
  }
  return out;
}

/** Matches sorted by date; the sort is stable, so same-day matches keep file order. */
function sortByDate(rows: MatchRecord[]): MatchRecord[] {
  return rows.sort((a, b) => a.date.getTime() - b.date.getTime());
}

/** Reads <folder>/<Div>/<season>.csv for the requested leagues (all sub-folders when omitted). */
export function readFootballDataFolder(folder: string, leagues?: readonly string[]): Map<string, MatchRecord[]> {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`data folder not found: ${folder}`);
  const divs = leagues ?? readdirSync(folder).filter((d) => statSync(path.join(folder, d)).isDirectory()).sort();
  const out = new Map<string, MatchRecord[]>();
  for (const div of divs) {
    const dir = path.join(folder, div);
    if (!existsSync(dir)) throw new Error(`no folder for league ${div} in ${folder}`);
    const rows: MatchRecord[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
      rows.push(...parseFootballDataCsv(readFileSync(path.join(dir, file), 'utf8'), div, file.replace(/\.csv$/, '')));
    }
    out.set(div, sortByDate(rows));
  }
  return out;
}

/**
 * Reads the results-only history (results-pddl layout) of one league, keeping only matches before
 * `before` so that it never overlaps the football-data seasons it warms up.
 */
export function readPddlHistory(folder: string, league: string, before: Date): MatchRecord[] {
  const slug = PDDL_LEAGUE_DIRS[league];
  if (!slug) return [];
  const dir = path.join(folder, slug);
  if (!existsSync(dir)) return [];
  const rows: MatchRecord[] = [];
  for (const file of readdirSync(dir).filter((f) => /^season-\d{4}\.csv$/.test(f)).sort()) {
    const yy = file.slice(7, 11);
    for (const r of parseFootballDataCsv(readFileSync(path.join(dir, file), 'utf8'), league, `pddl-${yy}`)) {
      if (r.date < before) rows.push({ ...r, closingOdds: null });
    }
  }
  return sortByDate(rows);
}
