import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFootballDataCsv, parseIntCell, parseMatchDate, readFootballDataFolder, splitCsvLine } from '../../../pipelines/_baseline-model/football-data.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/football');

describe('football-data CSV reader', () => {
  it('parses dd/mm/yy, dd/mm/yyyy and ISO dates as UTC midnights', () => {
    expect(parseMatchDate('18/08/12')?.toISOString()).toBe('2012-08-18T00:00:00.000Z');
    expect(parseMatchDate('11/08/2023')?.toISOString()).toBe('2023-08-11T00:00:00.000Z');
    expect(parseMatchDate('1/2/99')?.toISOString()).toBe('1999-02-01T00:00:00.000Z');
    expect(parseMatchDate('2012-08-18')?.toISOString()).toBe('2012-08-18T00:00:00.000Z');
    expect(parseMatchDate('31/02/2020')).toBeNull();
    expect(parseMatchDate('')).toBeNull();
    expect(parseMatchDate('08-18-2012')).toBeNull();
  });

  it('reads integers written as 2.0 and rejects fractions, negatives and blanks', () => {
    expect(parseIntCell('2.0')).toBe(2);
    expect(parseIntCell(' 3 ')).toBe(3);
    expect(parseIntCell('2.5')).toBeNull();
    expect(parseIntCell('-1')).toBeNull();
    expect(parseIntCell('')).toBeNull();
    expect(parseIntCell(undefined)).toBeNull();
  });

  it('honours quoted cells', () => {
    expect(splitCsvLine('a,"b,c",d')).toEqual(['a', 'b,c', 'd']);
    expect(splitCsvLine('a,"say ""hi""",')).toEqual(['a', 'say "hi"', '']);
  });

  it('skips rows without a result and keeps closing odds only when all three are present', () => {
    const csv = [
      '\uFEFFDiv,Date,HomeTeam,AwayTeam,FTHG,FTAG,FTR,PSCH,PSCD,PSCA',
      'E0,16/08/14,Arsenal,Crystal Palace,2.0,1.0,H,1.3,5.5,11.0',
      'E0,16/08/14,Leicester,Everton,2.0,2.0,D,,3.4,2.4', // PSCH missing
      'E0,17/08/14,Spurs,West Ham,,,,1.9,3.6,4.2', // fixture without a result
      ',,,,,,,,,', // trailing empty row as exported by some tools
      'E0,18/08/2014,Burnley,Chelsea,1,3,A,7.0,4.5,1.5',
      '',
    ].join('\r\n');
    const rows = parseFootballDataCsv(csv, 'E0', '2014-15');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ home: 'Arsenal', away: 'Crystal Palace', homeGoals: 2, awayGoals: 1, league: 'E0', season: '2014-15', closingOdds: [1.3, 5.5, 11] });
    expect(rows[1]!.closingOdds).toBeNull();
    expect(rows[2]!.date.toISOString()).toBe('2014-08-18T00:00:00.000Z');
  });

  it('fails loudly when a required column is missing', () => {
    expect(() => parseFootballDataCsv('Div,Date,HomeTeam,AwayTeam,FTHG\n', 'E0', 'x')).toThrow(/FTAG/);
  });

  it('reads a <Div>/<season>.csv folder sorted by date', () => {
    const rows = readFootballDataFolder(FIXTURES, ['E0']).get('E0')!;
    expect(rows).toHaveLength(760);
    expect(rows.every((r, i) => i === 0 || rows[i - 1]!.date <= r.date)).toBe(true);
    expect(new Set(rows.map((r) => r.season))).toEqual(new Set(['2022-23', '2023-24']));
    expect(rows.filter((r) => r.closingOdds).length).toBe(760);
    expect(() => readFootballDataFolder(FIXTURES, ['XX'])).toThrow(/XX/);
  });
});
