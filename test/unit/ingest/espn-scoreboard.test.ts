import { describe, expect, it } from 'vitest';
import { MatchStatus, transformScoreboard, type MatchRecord } from '../../../pipelines/_espn/transform.js';
import { EPL_SCOREBOARD, fixtureJson, WORLD_CUP_SCOREBOARD } from './fixtures.js';

function worldCup() {
  return fixtureJson(WORLD_CUP_SCOREBOARD);
}

function byId(records: MatchRecord[], id: string): MatchRecord {
  const match = records.find((m) => m.providerId === id);
  if (!match) throw new Error(`no match ${id}`);
  return match;
}

/** A real event from the World Cup capture with only its status block replaced (both copies of it). */
function withStatus(eventId: string, status: Record<string, unknown>): MatchRecord {
  const payload = worldCup();
  const ev = payload.events.find((e: { id: string }) => e.id === eventId);
  ev.status = status;
  ev.competitions[0].status = status;
  payload.events = [ev];
  const result = transformScoreboard(payload);
  expect(result.quarantined).toEqual([]);
  return result.records[0]!;
}

const status = (name: string, state: string, period: number, displayClock: string, detail: string, completed = false) => ({
  clock: 0,
  displayClock,
  period,
  type: { id: '0', name, state, completed, description: detail, detail, shortDetail: detail },
});

describe('transformScoreboard — World Cup knockout capture', () => {
  const { records, quarantined } = transformScoreboard(worldCup());

  it('returns every event and quarantines nothing', () => {
    expect(records).toHaveLength(32);
    expect(quarantined).toEqual([]);
    const counts: Record<string, number> = {};
    for (const m of records) counts[m.status] = (counts[m.status] ?? 0) + 1;
    expect(counts).toEqual({ FULL_TIME: 20, AFTER_PENALTIES: 4, AFTER_EXTRA_TIME: 2, FIRST_HALF: 1, SCHEDULED: 5 });
  });

  it('live match 760512: first half, minute 38, score 1-0, the goal as a key event', () => {
    const m = byId(records, '760512');
    expect(m).toMatchObject({
      provider: 'espn',
      competition: { providerId: '606', slug: 'fifa.world', name: 'FIFA World Cup' },
      season: '2026',
      kickoff: new Date('2026-07-11T21:00:00Z'),
      status: MatchStatus.FIRST_HALF,
      statusDetail: "38'",
      unknownStatus: null,
      period: 1,
      minute: 38,
      minuteAdded: null,
      homeTeam: {
        providerId: '464',
        name: 'Norway',
        shortName: 'Norway',
        abbreviation: 'NOR',
        logoUrl: 'https://a.espncdn.com/i/teamlogos/countries/500/nor.png',
      },
      homeTeamPlaceholder: null,
      awayTeam: { providerId: '448', name: 'England', abbreviation: 'ENG' },
      homeScore: 1,
      awayScore: 0,
      homePenalties: null,
      awayPenalties: null,
      venue: { providerId: '4643', name: 'Hard Rock Stadium', city: 'Miami Gardens, Florida', country: 'USA' },
      // the payload says 0 while the match is live: unknown, not empty
      attendance: null,
    });
    expect(m.keyEvents).toEqual([
      {
        providerId: null,
        kind: 'goal',
        typeText: 'Goal',
        period: null,
        minute: 36,
        minuteAdded: null,
        clockSeconds: 2101,
        teamProviderId: '464',
        shootout: false,
        athletes: [{ providerId: '313415', name: 'Andreas Schjelderup', role: 'scorer', teamProviderId: '464' }],
        text: null,
      },
    ]);
  });

  it('full time 760495: England 2-1 Congo DR, no minute, attendance kept', () => {
    expect(byId(records, '760495')).toMatchObject({
      status: MatchStatus.FULL_TIME,
      statusDetail: 'FT',
      minute: null,
      homeTeam: { providerId: '448', name: 'England' },
      awayTeam: { providerId: '2850', name: 'Congo DR' },
      homeScore: 2,
      awayScore: 1,
      homePenalties: null,
      attendance: 68239,
    });
  });

  it('after extra time 760493: Belgium 3-2 Senegal, penalty goal at 120\'+5\'', () => {
    const m = byId(records, '760493');
    expect(m).toMatchObject({ status: MatchStatus.AFTER_EXTRA_TIME, statusDetail: 'AET', period: 4, homeScore: 3, awayScore: 2 });
    expect(m.homePenalties).toBeNull();
    expect(m.keyEvents.map((e) => `${e.kind}@${e.minute}${e.minuteAdded ? `+${e.minuteAdded}` : ''}`)).toEqual([
      'goal@24',
      'goal@51',
      'yellow-card@64',
      'yellow-card@67',
      'goal@86',
      'goal@89',
      'yellow-card@90',
      'penalty-goal@120+5',
    ]);
    expect(m.keyEvents[7]).toMatchObject({ shootout: false, teamProviderId: '459', athletes: [{ name: 'Youri Tielemans', role: 'scorer' }] });
  });

  it('after penalties 760489: Germany 1-1 Paraguay, 3-4 on penalties, shoot-out kicks flagged', () => {
    const m = byId(records, '760489');
    expect(m).toMatchObject({
      status: MatchStatus.AFTER_PENALTIES,
      statusDetail: 'FT-Pens',
      homeScore: 1,
      awayScore: 1,
      homePenalties: 3,
      awayPenalties: 4,
    });
    const kicks = m.keyEvents.filter((e) => e.shootout);
    expect(kicks).toHaveLength(7);
    expect(kicks.every((e) => e.kind === 'penalty-goal')).toBe(true);
    expect(kicks.filter((e) => e.teamProviderId === '210')).toHaveLength(4);
    // Two cards in the payload have no athlete: kept, with an empty list.
    expect(m.keyEvents.filter((e) => e.kind === 'yellow-card' && e.athletes.length === 0)).toHaveLength(2);
  });

  it('own goal 760499 is credited to the benefiting team, the athlete keeps his own', () => {
    const og = byId(records, '760499').keyEvents.find((e) => e.kind === 'own-goal');
    expect(og).toMatchObject({
      minute: 55,
      teamProviderId: '628',
      athletes: [{ providerId: '119993', name: 'Mohamed Hany', role: 'scorer', teamProviderId: '2620' }],
    });
  });

  it('scheduled 760513: no score before kick-off although ESPN sends "0"', () => {
    expect(byId(records, '760513')).toMatchObject({
      status: MatchStatus.SCHEDULED,
      statusDetail: 'Sat, July 11th at 9:00 PM EDT',
      homeScore: null,
      awayScore: null,
      minute: null,
      keyEvents: [],
    });
  });

  it('placeholder knockout teams produce no team records, only names', () => {
    expect(
      ['760515', '760516', '760517'].map((id) => {
        const m = byId(records, id);
        return [m.homeTeam, m.homeTeamPlaceholder, m.awayTeam, m.awayTeamPlaceholder];
      }),
    ).toEqual([
      [null, 'Quarterfinal 3 Winner', null, 'Quarterfinal 4 Winner'],
      [null, 'Semifinal 1 Loser', null, 'Semifinal 2 Loser'],
      [null, 'Semifinal 1 Winner', null, 'Semifinal 2 Winner'],
    ]);
    const teamIds = new Set(records.flatMap((m) => [m.homeTeam?.providerId, m.awayTeam?.providerId]).filter(Boolean));
    for (const id of ['17630', '17632', '5958', '5959', '5960', '5961']) expect(teamIds.has(id)).toBe(false);
    // the 32 teams of the round of 32, none of them a placeholder
    expect(teamIds.size).toBe(32);
    // every real team has a logo; a placeholder never slips through as a record
    for (const m of records) {
      for (const t of [m.homeTeam, m.awayTeam]) if (t) expect(t.logoUrl).toMatch(/^https:\/\/a\.espncdn\.com\//);
    }
  });
});

describe('transformScoreboard — statuses absent from the captures (derived: only the status block changed)', () => {
  it.each([
    ['STATUS_HALFTIME', 'in', 1, "45'+3'", 'HT', MatchStatus.HALF_TIME, 45, 3],
    ['STATUS_SECOND_HALF', 'in', 2, "67'", "67'", MatchStatus.SECOND_HALF, 67, null],
    ['STATUS_END_OF_REGULATION', 'in', 2, "90'+5'", 'ET', MatchStatus.END_OF_REGULATION, 90, 5],
    ['STATUS_OVERTIME', 'in', 3, "98'", "98'", MatchStatus.EXTRA_TIME, 98, null],
    ['STATUS_HALFTIME_ET', 'in', 3, "105'+1'", 'HT-ET', MatchStatus.EXTRA_TIME, 105, 1],
    ['STATUS_SHOOTOUT', 'in', 5, "120'", 'PENS', MatchStatus.PENALTIES, 120, null],
  ] as const)('derived from live 760512: %s (state %s, period %s, clock %s, detail %s) → %s', (name, state, period, clock, detail, expected, minute, added) => {
    const m = withStatus('760512', status(name, state, period, clock, detail));
    expect(m).toMatchObject({ status: expected, minute, minuteAdded: added, homeScore: 1, awayScore: 0, unknownStatus: null });
  });

  it.each([
    ['STATUS_POSTPONED', 'post', MatchStatus.POSTPONED],
    ['STATUS_CANCELED', 'post', MatchStatus.CANCELLED],
    ['STATUS_DELAYED', 'pre', MatchStatus.DELAYED],
  ] as const)('derived from scheduled 760513: %s (state %s) → %s with no score', (name, state, expected) => {
    const m = withStatus('760513', status(name, state, 0, "0'", name.slice(7)));
    expect(m).toMatchObject({ status: expected, homeScore: null, awayScore: null, minute: null });
  });

  it.each([
    ['STATUS_ABANDONED', 'post', MatchStatus.ABANDONED],
    ['STATUS_SUSPENDED', 'in', MatchStatus.SUSPENDED],
  ] as const)('derived from live 760512: %s (state %s) → %s keeps the score at the stoppage', (name, state, expected) => {
    const m = withStatus('760512', status(name, state, 1, "38'", name.slice(7)));
    expect(m).toMatchObject({ status: expected, homeScore: 1, awayScore: 0, minute: null });
  });

  it('derived from live 760512: an unknown in-play name falls back on state/period and is reported', () => {
    const m = withStatus('760512', status('STATUS_VAR_REVIEW', 'in', 2, "71'", 'VAR'));
    expect(m).toMatchObject({ status: MatchStatus.SECOND_HALF, unknownStatus: 'STATUS_VAR_REVIEW', minute: 71 });
  });
});

describe('transformScoreboard — quarantine', () => {
  it('derived: an event with an object id and one with a garbage date are quarantined, the other 30 are kept', () => {
    const payload = worldCup();
    payload.events[0].id = { value: '760486' };
    payload.events[1].date = 'next Tuesday-ish';
    const { records, quarantined } = transformScoreboard(payload);
    expect(records).toHaveLength(30);
    expect(records.map((m) => m.providerId)).not.toContain('760487');
    expect(quarantined).toHaveLength(2);
    // the broken id still has a stable key: the one inside the uid
    expect(quarantined[0]).toMatchObject({ source: 'espn.scoreboard', recordKey: '760486', raw: payload.events[0] });
    expect(quarantined[0]!.error).toBe('id: expected a numeric id, got {"value":"760486"}');
    expect(quarantined[1]).toMatchObject({ recordKey: '760487', raw: payload.events[1] });
    expect(quarantined[1]!.error).toBe('date: expected an ISO date with a zone, e.g. 2025-05-25T15:00Z');
  });

  it('derived: a non-numeric score and a missing away side are each reported with their path', () => {
    const payload = worldCup();
    payload.events[2].competitions[0].competitors[0].score = 'two';
    payload.events[3].competitions[0].competitors[1].homeAway = 'home';
    const { records, quarantined } = transformScoreboard(payload);
    expect(records).toHaveLength(30);
    expect(quarantined.map((q) => [q.recordKey, q.error])).toEqual([
      ['760489', 'competitions.0.competitors.0.score: expected a numeric score'],
      ['760488', 'competitions.0.competitors: expected one home and one away competitor'],
    ]);
  });

  it('a payload without leagues is quarantined whole', () => {
    const payload = worldCup();
    delete payload.leagues;
    const { records, quarantined } = transformScoreboard(payload);
    expect(records).toEqual([]);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ recordKey: 'scoreboard:unknown', raw: payload });
    expect(quarantined[0]!.error).toMatch(/^leagues: /);
  });
});

describe('transformScoreboard — Premier League matchday', () => {
  const { records, quarantined } = transformScoreboard(fixtureJson(EPL_SCOREBOARD));

  it('returns the 10 full-time matches with the season spanning two years', () => {
    expect(quarantined).toEqual([]);
    expect(records).toHaveLength(10);
    expect(new Set(records.map((m) => m.status))).toEqual(new Set([MatchStatus.FULL_TIME]));
    expect(new Set(records.map((m) => m.season))).toEqual(new Set(['2024-25']));
    expect(records[0]!.competition).toEqual({ providerId: '700', slug: 'eng.1', name: 'English Premier League' });
  });

  it('704649: AFC Bournemouth 2-0 Leicester City with teams, venue and attendance', () => {
    expect(byId(records, '704649')).toMatchObject({
      kickoff: new Date('2025-05-25T15:00:00Z'),
      homeTeam: {
        providerId: '349',
        name: 'AFC Bournemouth',
        shortName: 'Bournemouth',
        abbreviation: 'BOU',
        logoUrl: 'https://a.espncdn.com/i/teamlogos/soccer/500/349.png',
      },
      awayTeam: { providerId: '375', name: 'Leicester City' },
      homeScore: 2,
      awayScore: 0,
      venue: { providerId: '6020', name: 'Vitality Stadium', city: 'Bournemouth', country: 'England' },
      attendance: 11238,
    });
  });

  it('704658: the red card at 45\'+1\' and the penalty goal', () => {
    const events = byId(records, '704658').keyEvents;
    expect(events.find((e) => e.kind === 'red-card')).toMatchObject({
      minute: 45,
      minuteAdded: 1,
      teamProviderId: '362',
      athletes: [{ providerId: '158626', name: 'Emiliano Martínez', role: 'player' }],
    });
    expect(events.find((e) => e.kind === 'penalty-goal')).toMatchObject({
      minute: 87,
      athletes: [{ name: 'Christian Eriksen', role: 'scorer' }],
    });
  });
});
