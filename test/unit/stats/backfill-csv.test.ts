// The backfill's CSV reader: the same matches as the evaluation's reader on real files, quarantine with a
// reason for what it cannot load, kick-off times converted from UK time.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFootballDataCsv } from '../../../pipelines/_baseline-model/football-data.js';
import { kickoffOf, parseLeagueCsv } from '../../../pipelines/_stats/backfill/csv.js';

const real = readFileSync(new URL('../../fixtures/football/E0/2022-23.csv', import.meta.url), 'utf8');

describe('backfill CSV reader', () => {
  it('reads a real season exactly as the evaluation does', () => {
    const ours = parseLeagueCsv(real, 'E0', '2022-23');
    const theirs = parseFootballDataCsv(real, 'E0', '2022-23');
    expect(ours.quarantined).toEqual([]);
    expect(ours.rows.map(({ time: _t, line: _l, ...r }) => r)).toEqual(theirs);
  });

  it('quarantines a file without a required column, as one record naming the columns', () => {
    const r = parseLeagueCsv('Div,Date,HomeTeam\nE0,13/08/2021,Brentford\n', 'E0', '2021-22');
    expect(r.rows).toEqual([]);
    expect(r.quarantined).toEqual([{ recordKey: 'E0/2021-22', reason: 'missing columns AwayTeam, FTHG, FTAG', raw: { header: 'Div,Date,HomeTeam' } }]);
  });

  it('quarantines rows with bad cells (each reason named) and keeps the others', () => {
    const csv = 'Date,HomeTeam,AwayTeam,FTHG,FTAG\n31/02/2023,A,B,1,0\n01/03/2023,,B,1,0\n02/03/2023,A,A,1,x\n03/03/2023,A,B,2,2\n';
    const r = parseLeagueCsv(csv, 'E0', 's');
    expect(r.rows).toHaveLength(1);
    expect(r.quarantined.map((q) => [q.recordKey, q.reason])).toEqual([
      ['E0/s:2', 'Date "31/02/2023" is not a date'],
      ['E0/s:3', 'HomeTeam is empty'],
      ['E0/s:4', 'HomeTeam and AwayTeam are the same club; FTAG "x" is not a goal count'],
    ]);
  });

  it('converts the UK kick-off time to UTC (summer and winter), 15:00 when the file has no time', () => {
    expect(kickoffOf({ date: new Date('2022-08-06T00:00:00Z'), time: '12:30' }).toISOString()).toBe('2022-08-06T11:30:00.000Z');
    expect(kickoffOf({ date: new Date('2022-12-26T00:00:00Z'), time: '20:00' }).toISOString()).toBe('2022-12-26T20:00:00.000Z');
    expect(kickoffOf({ date: new Date('2013-01-12T00:00:00Z'), time: null }).toISOString()).toBe('2013-01-12T15:00:00.000Z');
  });
});
