import { describe, expect, it } from 'vitest';
import { classifyKeyEvent, MatchStatus, transformSummary, type MatchSummaryRecord } from '../../../pipelines/_espn/transform.js';
import { fixtureJson, SUMMARY_FULL_TIME, SUMMARY_LIVE } from './fixtures.js';

function only(payload: unknown): MatchSummaryRecord {
  const { records, quarantined } = transformSummary(payload);
  expect(quarantined).toEqual([]);
  expect(records).toHaveLength(1);
  return records[0]!;
}

describe('transformSummary — full time 760415 (Mexico 2-0 South Africa)', () => {
  const s = only(fixtureJson(SUMMARY_FULL_TIME));

  it('header: status, score, teams, kickoff', () => {
    expect(s).toMatchObject({
      provider: 'espn',
      providerId: '760415',
      competitionSlug: 'fifa.world',
      kickoff: new Date('2026-06-11T19:00:00Z'),
      status: MatchStatus.FULL_TIME,
      statusDetail: 'FT',
      minute: null,
      homeTeamProviderId: '203',
      awayTeamProviderId: '467',
      homeTeamPlaceholder: null,
      homeScore: 2,
      awayScore: 0,
      homePenalties: null,
      awayPenalties: null,
    });
  });

  it('team statistics are numbers keyed by team providerId', () => {
    expect(Object.keys(s.teamStats).sort()).toEqual(['203', '467']);
    expect(s.teamStats['203']).toMatchObject({
      homeAway: 'home',
      possessionPct: 60.5,
      shots: 16,
      shotsOnTarget: 4,
      corners: 3,
      fouls: 12,
      yellowCards: 1,
      redCards: 1,
      offsides: 1,
      saves: 2,
      passes: 520,
      accuratePasses: 467,
      tackles: 12,
      interceptions: 8,
      clearances: 15,
      penaltyGoals: 0,
      penaltyAttempts: 0,
    });
    expect(s.teamStats['467']).toMatchObject({ homeAway: 'away', possessionPct: 39.5, shots: 3, shotsOnTarget: 2, redCards: 2, yellowCards: 2 });
    // stats without a typed field are kept by their ESPN name
    expect(s.teamStats['203']!.other).toEqual({ shotPct: 0.3, passPct: 0.9, crossPct: 0.3, longballPct: 0.6, tacklePct: 0.5, effectiveClearance: 15 });
  });

  it('lineups: formations, 11 starters and 15 substitutes a side, substitutions flagged', () => {
    expect(s.lineups.map((l) => [l.teamProviderId, l.homeAway, l.formation, l.starters.length, l.substitutes.length])).toEqual([
      ['203', 'home', '4-1-4-1', 11, 15],
      ['467', 'away', '5-3-2', 11, 15],
    ]);
    const home = s.lineups[0]!;
    expect(home.starters[0]).toEqual({
      providerId: '290899',
      name: 'Raúl Rangel',
      position: 'G',
      jersey: 1,
      formationPlace: 1,
      subbedIn: false,
      subbedOut: false,
    });
    expect(home.starters.filter((p) => p.subbedOut).map((p) => p.name)).toEqual([
      'Érik Lira',
      'Álvaro Fidalgo',
      'Brian Gutiérrez',
      'Julián Quiñones',
      'Raúl Jiménez',
    ]);
    expect(home.substitutes.filter((p) => p.subbedIn).map((p) => p.name)).toEqual([
      'Luis Chávez',
      'Alexis Vega',
      'Armando González',
      'Gilberto Mora',
      'Edson Álvarez',
    ]);
    expect(home.substitutes.every((p) => p.formationPlace === null && p.position === 'SUB')).toBe(true);
  });

  it('key events: goals with scorer and assist, cards, substitutions (on then off); timeline noise dropped', () => {
    const counts: Record<string, number> = {};
    for (const e of s.keyEvents) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    expect(counts).toEqual({ goal: 2, 'yellow-card': 3, 'red-card': 3, substitution: 9 });
    expect(s.keyEvents[0]).toEqual({
      providerId: '49483413',
      kind: 'goal',
      typeText: 'Goal',
      period: 1,
      minute: 9,
      minuteAdded: null,
      clockSeconds: 513,
      teamProviderId: '203',
      shootout: false,
      athletes: [
        { providerId: '233075', name: 'Julián Quiñones', role: 'scorer', teamProviderId: null },
        { providerId: '276942', name: 'Érik Lira', role: 'assist', teamProviderId: null },
      ],
      text: 'Goal! Mexico 1, South Africa 0. Julián Quiñones (Mexico) right footed shot from the centre of the box to the centre of the goal. Assisted by Érik Lira.',
    });
    expect(s.keyEvents.find((e) => e.typeText === 'Goal - Header')).toMatchObject({ kind: 'goal', minute: 67, period: 2 });
    expect(s.keyEvents.find((e) => e.kind === 'substitution')).toMatchObject({
      minute: 56,
      teamProviderId: '467',
      athletes: [
        { name: 'Thalente Mbatha', role: 'on' },
        { name: 'Lyle Foster', role: 'off' },
      ],
    });
    expect(s.keyEvents.filter((e) => e.kind === 'red-card').map((e) => [e.minute, e.minuteAdded, e.athletes[0]?.name])).toEqual([
      [49, null, 'Sphephelo Sithole'],
      [84, null, 'Themba Zwane'],
      [90, 2, 'César Montes'],
    ]);
  });

  it('officials, attendance and venue', () => {
    expect(s.officials).toEqual([{ name: 'Wilton Pereira Sampaio', role: 'Referee' }]);
    expect(s.attendance).toBe(80824);
    expect(s.venue).toEqual({ providerId: '1672', name: 'Estadio Banorte', city: 'Mexico City', country: 'Mexico' });
  });
});

describe('transformSummary — live 760495 (England v Congo DR at 45\'+6\')', () => {
  const s = only(fixtureJson(SUMMARY_LIVE));

  it('STATUS_IN_PROGRESS in period 1 is the first half, minute 45 plus 6 added', () => {
    expect(s).toMatchObject({
      status: MatchStatus.FIRST_HALF,
      statusDetail: "45'+6'",
      period: 1,
      minute: 45,
      minuteAdded: 6,
      homeTeamProviderId: '448',
      awayTeamProviderId: '2850',
      homeScore: 0,
      awayScore: 1,
    });
  });

  it('attendance is absent while live; venue and referee are there', () => {
    expect(s.attendance).toBeNull();
    expect(s.venue).toEqual({ providerId: '7485', name: 'Mercedes-Benz Stadium', city: 'Atlanta, Georgia', country: 'USA' });
    expect(s.officials).toEqual([{ name: 'Adham Mohammad', role: 'Referee' }]);
  });

  it('live stats, lineups and the three key events so far', () => {
    expect(s.teamStats['448']).toMatchObject({ possessionPct: 58, shots: 7, shotsOnTarget: 3, fouls: 7, corners: 1 });
    expect(s.teamStats['2850']).toMatchObject({ possessionPct: 42, shots: 3, shotsOnTarget: 1, offsides: 3 });
    expect(s.lineups.map((l) => l.formation)).toEqual(['4-2-3-1', '4-3-3']);
    expect(s.keyEvents.map((e) => [e.kind, e.minute, e.teamProviderId, e.athletes.map((a) => `${a.role}:${a.name}`)])).toEqual([
      ['goal', 7, '2850', ['scorer:Brian Cipenga', 'assist:Chancel Mbemba']],
      ['yellow-card', 19, '448', ['player:Jude Bellingham']],
      ['yellow-card', 28, '2850', ['player:Noah Sadiki']],
    ]);
  });
});

describe('transformSummary — quarantine', () => {
  it('derived: a summary with a non-numeric score is quarantined under its event id', () => {
    const payload = fixtureJson(SUMMARY_FULL_TIME);
    payload.header.competitions[0].competitors[1].score = 'nil';
    const { records, quarantined } = transformSummary(payload);
    expect(records).toEqual([]);
    expect(quarantined).toEqual([
      {
        source: 'espn.summary',
        recordKey: '760415',
        raw: payload,
        error: 'header.competitions.0.competitors.1.score: expected a numeric score',
      },
    ]);
  });

  it('derived: a roster entry without an athlete id names the path', () => {
    const payload = fixtureJson(SUMMARY_LIVE);
    delete payload.rosters[1].roster[3].athlete.id;
    const { quarantined } = transformSummary(payload);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]!.recordKey).toBe('760495');
    expect(quarantined[0]!.error).toBe('rosters.1.roster.3.athlete.id: missing');
  });
});

describe('classifyKeyEvent', () => {
  it.each([
    ['Goal', {}, 'goal'],
    ['Goal - Header goal---header', {}, 'goal'],
    ['Goal - Free-kick', { scoringPlay: true }, 'goal'],
    ['Own Goal', { scoringPlay: true, ownGoal: true }, 'own-goal'],
    ['Penalty - Scored', { scoringPlay: true, penaltyKick: true }, 'penalty-goal'],
    ['Penalty - Saved', { penaltyKick: true }, 'penalty-missed'],
    ['Penalty - Missed', {}, 'penalty-missed'],
    ['Yellow Card yellow-card', {}, 'yellow-card'],
    ['Red Card', { redCard: true }, 'red-card'],
    ['Second Yellow Card', {}, 'red-card'],
    ['Substitution substitution', {}, 'substitution'],
    ['Kickoff kickoff', {}, null],
    ['Halftime halftime', {}, null],
    ['Start Delay start-delay', {}, null],
    ['End Regular Time end-regular-time', {}, null],
    ['VAR - Goal Disallowed', {}, null],
  ] as const)('%s %j → %s', (label, flags, expected) => {
    expect(classifyKeyEvent(label, flags)).toBe(expected);
  });
});
