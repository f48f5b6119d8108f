import { describe, expect, it } from 'vitest';
import {
  isFinished,
  isLive,
  KNOWN_ESPN_STATUS_NAMES,
  mapEspnStatus,
  MatchStatus,
  parseMatchClock,
  type EspnStatusType,
} from '../../../pipelines/_espn/transform.js';
import { EPL_SCOREBOARD, fixtureJson, SUMMARY_FULL_TIME, SUMMARY_LIVE, WORLD_CUP_SCOREBOARD } from './fixtures.js';

const type = (name: string, state: EspnStatusType['state'], extra: Partial<EspnStatusType> = {}): EspnStatusType => ({
  name,
  state,
  ...extra,
});

describe('mapEspnStatus', () => {
  // [ESPN name, state, completed, period, detail, expected]
  const table: [string, EspnStatusType['state'], boolean, number | null, string | null, MatchStatus][] = [
    ['STATUS_SCHEDULED', 'pre', false, null, 'Sat, July 11th at 9:00 PM EDT', MatchStatus.SCHEDULED],
    ['STATUS_FIRST_HALF', 'in', false, 1, "38'", MatchStatus.FIRST_HALF],
    ['STATUS_HALFTIME', 'in', false, 1, 'HT', MatchStatus.HALF_TIME],
    ['STATUS_SECOND_HALF', 'in', false, 2, "67'", MatchStatus.SECOND_HALF],
    ['STATUS_END_OF_REGULATION', 'in', false, 2, 'ET', MatchStatus.END_OF_REGULATION],
    ['STATUS_OVERTIME', 'in', false, 3, "118'", MatchStatus.EXTRA_TIME],
    ['STATUS_FIRST_HALF_EXTRA_TIME', 'in', false, 3, "98'", MatchStatus.EXTRA_TIME],
    ['STATUS_SECOND_HALF_EXTRA_TIME', 'in', false, 4, "112'", MatchStatus.EXTRA_TIME],
    ['STATUS_HALFTIME_ET', 'in', false, 3, 'HT-ET', MatchStatus.EXTRA_TIME],
    ['STATUS_END_OF_EXTRATIME', 'in', false, 4, 'End ET', MatchStatus.EXTRA_TIME],
    ['STATUS_SHOOTOUT', 'in', false, 5, 'PENS', MatchStatus.PENALTIES],
    ['STATUS_FULL_TIME', 'post', true, 2, 'FT', MatchStatus.FULL_TIME],
    ['STATUS_FINAL_AET', 'post', true, 4, 'AET', MatchStatus.AFTER_EXTRA_TIME],
    ['STATUS_FINAL_PEN', 'post', true, 5, 'FT-Pens', MatchStatus.AFTER_PENALTIES],
    ['STATUS_POSTPONED', 'post', false, null, 'Postponed', MatchStatus.POSTPONED],
    ['STATUS_CANCELED', 'post', false, null, 'Canceled', MatchStatus.CANCELLED],
    ['STATUS_CANCELLED', 'post', false, null, 'Cancelled', MatchStatus.CANCELLED],
    ['STATUS_ABANDONED', 'post', false, 2, 'Abandoned', MatchStatus.ABANDONED],
    ['STATUS_SUSPENDED', 'in', false, 2, 'Suspended', MatchStatus.SUSPENDED],
    ['STATUS_DELAYED', 'pre', false, null, 'Delayed', MatchStatus.DELAYED],
    ['STATUS_FORFEIT', 'post', true, null, 'Forfeit', MatchStatus.FULL_TIME],
    // The generic names are refined by period / detail.
    ['STATUS_IN_PROGRESS', 'in', false, 1, "45'+6'", MatchStatus.FIRST_HALF],
    ['STATUS_IN_PROGRESS', 'in', false, 2, "70'", MatchStatus.SECOND_HALF],
    ['STATUS_IN_PROGRESS', 'in', false, 3, "95'", MatchStatus.EXTRA_TIME],
    ['STATUS_IN_PROGRESS', 'in', false, 4, "110'", MatchStatus.EXTRA_TIME],
    ['STATUS_IN_PROGRESS', 'in', false, 5, "120'", MatchStatus.PENALTIES],
    ['STATUS_END_PERIOD', 'in', false, 1, 'HT', MatchStatus.HALF_TIME],
    ['STATUS_END_PERIOD', 'in', false, 2, 'ET', MatchStatus.END_OF_REGULATION],
    ['STATUS_END_PERIOD', 'in', false, 3, 'HT-ET', MatchStatus.EXTRA_TIME],
    ['STATUS_FINAL', 'post', true, 2, 'FT', MatchStatus.FULL_TIME],
    ['STATUS_FINAL', 'post', true, 4, 'AET', MatchStatus.AFTER_EXTRA_TIME],
    ['STATUS_FINAL', 'post', true, 5, 'FT-Pens', MatchStatus.AFTER_PENALTIES],
    ['STATUS_RAIN_DELAY', 'pre', false, null, 'Rain Delay', MatchStatus.DELAYED],
    ['STATUS_RAIN_DELAY', 'in', false, 2, 'Rain Delay', MatchStatus.SUSPENDED],
    // Aliases: spelling, case and separators do not matter.
    ['status_full_time', 'post', true, 2, 'FT', MatchStatus.FULL_TIME],
    ['STATUS-HALF-TIME', 'in', false, 1, 'HT', MatchStatus.HALF_TIME],
    ['STATUS_FINAL_PENALTIES', 'post', true, 5, 'FT-Pens', MatchStatus.AFTER_PENALTIES],
    ['STATUS_PENALTY_SHOOTOUT', 'in', false, 5, null, MatchStatus.PENALTIES],
  ];

  it.each(table)('%s (state %s, completed %s, period %s, detail %s) → %s', (name, state, completed, period, detail, expected) => {
    expect(mapEspnStatus(type(name, state, { completed, detail }), period)).toEqual({ status: expected });
  });

  it('every MatchStatus value is reachable from a known ESPN name', () => {
    const reached = new Set(table.map((row) => row[5]));
    expect([...reached].sort()).toEqual(Object.values(MatchStatus).sort());
  });

  it('every name in the alias table maps without being reported unknown', () => {
    expect(KNOWN_ESPN_STATUS_NAMES.length).toBeGreaterThan(60);
    for (const name of KNOWN_ESPN_STATUS_NAMES) {
      expect(mapEspnStatus(type(`STATUS_${name}`, 'in', { completed: false }), 1).unknown).toBeUndefined();
    }
  });

  it('every status in the real fixtures is a known name', () => {
    const statuses: { name: string; state: EspnStatusType['state'] }[] = [];
    for (const path of [WORLD_CUP_SCOREBOARD, EPL_SCOREBOARD]) {
      for (const ev of fixtureJson(path).events) statuses.push(ev.competitions[0].status.type);
    }
    for (const path of [SUMMARY_FULL_TIME, SUMMARY_LIVE]) statuses.push(fixtureJson(path).header.competitions[0].status.type);
    const names = [...new Set(statuses.map((s) => s.name))].sort();
    expect(names).toEqual([
      'STATUS_FINAL_AET',
      'STATUS_FINAL_PEN',
      'STATUS_FIRST_HALF',
      'STATUS_FULL_TIME',
      'STATUS_IN_PROGRESS',
      'STATUS_SCHEDULED',
    ]);
    for (const s of statuses) expect(mapEspnStatus(s).unknown).toBeUndefined();
  });

  describe('unknown names fall back deterministically and are reported', () => {
    it.each([
      ['pre', false, null, '', MatchStatus.SCHEDULED],
      ['in', false, 1, '', MatchStatus.FIRST_HALF],
      ['in', false, 2, '', MatchStatus.SECOND_HALF],
      ['in', false, 3, '', MatchStatus.EXTRA_TIME],
      ['in', false, 5, '', MatchStatus.PENALTIES],
      ['post', true, 2, 'FT', MatchStatus.FULL_TIME],
      ['post', true, 4, '', MatchStatus.AFTER_EXTRA_TIME],
      ['post', true, 5, '', MatchStatus.AFTER_PENALTIES],
      // post but not completed is never read as finished
      ['post', false, null, '', MatchStatus.POSTPONED],
      // the human text wins over state when it names the situation
      ['post', false, 2, 'Match Abandoned', MatchStatus.ABANDONED],
      ['in', false, 2, 'Play Suspended', MatchStatus.SUSPENDED],
      ['pre', false, null, 'Kick-off delayed', MatchStatus.DELAYED],
    ] as const)('state %s, completed %s, period %s, detail "%s" → %s', (state, completed, period, detail, expected) => {
      expect(mapEspnStatus(type('STATUS_SOMETHING_NEW', state, { completed, detail }), period)).toEqual({
        status: expected,
        unknown: 'STATUS_SOMETHING_NEW',
      });
    });
  });
});

describe('isLive / isFinished', () => {
  it('partition the statuses exactly', () => {
    const live = Object.values(MatchStatus).filter(isLive);
    const finished = Object.values(MatchStatus).filter(isFinished);
    expect(live).toEqual(['FIRST_HALF', 'HALF_TIME', 'SECOND_HALF', 'END_OF_REGULATION', 'EXTRA_TIME', 'PENALTIES']);
    expect(finished).toEqual(['FULL_TIME', 'AFTER_EXTRA_TIME', 'AFTER_PENALTIES']);
    const neither = Object.values(MatchStatus).filter((s) => !isLive(s) && !isFinished(s));
    expect(neither).toEqual(['SCHEDULED', 'POSTPONED', 'CANCELLED', 'ABANDONED', 'SUSPENDED', 'DELAYED']);
  });
});

describe('parseMatchClock', () => {
  it.each([
    ["38'", null, { minute: 38, added: null }],
    ["45'+6'", null, { minute: 45, added: 6 }],
    ["120'+12'", null, { minute: 120, added: 12 }],
    ['90+2', null, { minute: 90, added: 2 }],
    ["0'", 0, { minute: 0, added: null }],
    ['HT', 2700, { minute: 45, added: null }],
    [undefined, 387, { minute: 7, added: null }],
    ['', null, null],
    [undefined, undefined, null],
  ] as const)('%s / clock %s → %j', (display, clock, expected) => {
    expect(parseMatchClock(display, clock)).toEqual(expected);
  });
});
