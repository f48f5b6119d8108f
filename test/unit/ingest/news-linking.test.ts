import { describe, expect, it } from 'vitest';
import { transformEspnNews } from '../../../pipelines/_espn/transform.js';
import { classifyTeamNews, FEEDS, linkTeams, transformRss, type LinkableTeam } from '../../../pipelines/_news/transform.js';
import { BBC_RSS, EPL_NEWS, fixtureJson, fixtureText } from './fixtures.js';

const T = (id: number, name: string, aliases: string[] = [], extra: Partial<LinkableTeam> = {}): LinkableTeam => ({
  id,
  name,
  aliases,
  ...extra,
});

// Team rows as the database would hold them (ESPN names and ids where ESPN has the club).
const TEAMS: LinkableTeam[] = [
  T(1, 'Manchester United', ['Man United', 'Man Utd'], { provider: 'espn', providerId: '360', abbreviation: 'MUN' }),
  T(2, 'Manchester City', ['Man City'], { provider: 'espn', providerId: '382', abbreviation: 'MNC' }),
  T(3, 'Newcastle United', [], { provider: 'espn', providerId: '361' }),
  T(4, 'West Ham United', [], { provider: 'espn', providerId: '371' }),
  T(5, 'Wolverhampton Wanderers', ['Wolves'], { provider: 'espn', providerId: '380' }),
  T(6, 'Chelsea', [], { provider: 'espn', providerId: '363' }),
  T(7, 'Tottenham Hotspur', ['Spurs'], { provider: 'espn', providerId: '367' }),
  T(8, 'Liverpool', [], { provider: 'espn', providerId: '364' }),
  T(9, 'AFC Bournemouth', ['Cherries'], { provider: 'espn', providerId: '349' }),
  T(10, 'Everton', [], { provider: 'espn', providerId: '368' }),
  T(11, 'Aston Villa', ['Villa'], { provider: 'espn', providerId: '362' }),
  T(12, 'Celtic', []),
  T(13, 'Rangers', []),
  T(14, 'Heart of Midlothian', ['Hearts']),
  T(15, 'Dundee United', []),
  T(16, 'Kilmarnock', ['Killie']),
  T(17, 'St Johnstone', []),
  T(18, 'Atlético Madrid', ['Atleti']),
  T(19, 'Internazionale', ['Inter Milan', 'Inter']),
  T(20, 'Sheffield United', []),
  T(21, 'Sheffield Wednesday', []),
  T(22, 'Paris Saint-Germain', [], { abbreviation: 'PSG' }),
  T(23, 'Real Betis', [], { provider: 'espn', providerId: '244' }),
  T(24, 'Leeds United', ['Leeds']),
];

describe('linkTeams — on the real BBC feed', () => {
  const bbc = transformRss(fixtureText(BBC_RSS), FEEDS.bbc).records;
  const linked = (headlineStart: string) => {
    const article = bbc.find((a) => a.headline.startsWith(headlineStart));
    if (!article) throw new Error(`no BBC article "${headlineStart}"`);
    return linkTeams(article, TEAMS);
  };

  it.each([
    // "Newcastle" alone is the unambiguous short form of Newcastle United
    ['Newcastle sign Braga keeper', [3]],
    // alias and aliased name: Hearts is Heart of Midlothian
    ['Celtic drawn against LASK', [12, 13, 14]],
    ['Man Utd boss Skinner', [1]],
    // "London City Lionesses" must not become Manchester City
    ['London City host Man Utd', [1]],
    // "Dundee United" is one team, and its "United" is not Manchester's
    ['Same start but different outlook at Rangers', [13, 15]],
    ['Maresca loses first match as Inter beat Man City', [2, 19]],
    // accents folded: "Atletico Madrid" in the text is Atlético Madrid
    ['Spurs make Osimhen approach', [2, 7, 8, 18]],
    ['Gold family agrees to sell West Ham stake', [3, 4]],
    ['Watch highlights as St Johnstone edge out Killie', [16, 17]],
    ['Bournemouth sign Portugal defender Silva', [9]],
    ['Liverpool ship four second-half goals', [8, 24]],
    ['FA set to withdraw support', []],
  ] as const)('"%s…" → %j', (headline, expected) => {
    expect(linked(headline)).toEqual(expected);
  });
});

describe('linkTeams — false positives and edge cases', () => {
  const link = (headline: string, description: string | null = null) => linkTeams({ headline, description }, TEAMS);

  it('a lone generic word names no team', () => {
    expect(link('City hall approves new stadium plan')).toEqual([]);
    expect(link('United we stand: supporters march on Saturday')).toEqual([]);
    expect(link('Real talk: the transfer window explained')).toEqual([]);
  });

  it('"Manchester" alone is ambiguous, but each full name links', () => {
    expect(link('Manchester derby moved for TV')).toEqual([]);
    expect(link('Manchester United and Manchester City meet in the final')).toEqual([1, 2]);
  });

  it('the longest name claims its words: Sheffield Wednesday is not Sheffield United; "Sheffield" alone is neither', () => {
    expect(link('Sheffield Wednesday beat Leeds')).toEqual([21, 24]);
    expect(link('Sheffield United beat Leeds')).toEqual([20, 24]);
    expect(link('Sheffield take the lead')).toEqual([]);
  });

  it('whole words only, case-insensitive, possessives fine', () => {
    expect(link('Evertonians protest at Goodison')).toEqual([]);
    expect(link("CHELSEA'S new signing")).toEqual([6]);
    expect(link('chelsea sign winger')).toEqual([6]);
  });

  it('abbreviations count only in capitals, and not in all-caps text', () => {
    expect(link('PSG complete signing')).toEqual([22]);
    expect(link('The psg fans travelled')).toEqual([]);
    const teams = [...TEAMS, T(30, 'Newcastle Jets', [], { abbreviation: 'NEW' })];
    expect(linkTeams({ headline: 'NEW SIGNING FOR CHELSEA' }, teams)).toEqual([6]);
  });

  it('a team shared by two providers (same name) links both rows', () => {
    const teams = [T(1, 'Chelsea', [], { provider: 'espn', providerId: '363' }), T(99, 'Chelsea', [], { provider: 'football-data', providerId: '61' })];
    expect(linkTeams({ headline: 'Chelsea sign winger' }, teams)).toEqual([1, 99]);
  });
});

describe('linkTeams — ESPN articles carry team ids', () => {
  const espn = transformEspnNews(fixtureJson(EPL_NEWS)).records;

  it('links by providerId as well as by name', () => {
    const cunha = espn.find((a) => a.providerId === '45341965')!;
    expect(cunha.teamProviderIds).toEqual(['360', '380']);
    expect(linkTeams(cunha, TEAMS)).toEqual([1, 5]);
    // Real Betis is tagged (244) though the text only says "Real Betis" — both routes agree
    const antony = espn.find((a) => a.providerId === '45406161')!;
    expect(linkTeams(antony, TEAMS)).toEqual([1, 23]);
  });

  it('a tag alone links, even when the text does not name the team', () => {
    expect(linkTeams({ headline: 'Transfer talk', provider: 'espn', teamProviderIds: ['363'] }, TEAMS)).toEqual([6]);
    // an id from another provider is not ours
    expect(linkTeams({ headline: 'Transfer talk', provider: 'sky', teamProviderIds: ['363'] }, TEAMS)).toEqual([]);
  });
});

describe('classifyTeamNews', () => {
  const flags = (text: string) => [...classifyTeamNews(text)].sort();

  it.each([
    ['Saka ruled out for six weeks with hamstring injury', ['injury']],
    ['Rice a fitness doubt for Saturday', ['injury']],
    ['Beever-Jones ready to conquer new season after injury troubles last term', ['injury']],
    ['Three of the big six have new managers, the champions have a key injury issue', ['injury']],
    ['Gvardiol limped off with a knock', ['injury']],
    ['Rodri suffers ACL tear', ['injury']],
    ['Casemiro suspended for derby after red card', ['suspension']],
    ['Club confirm red card appeal for Rice', ['suspension']],
    ['Midfielder handed three-match ban', ['suspension']],
    ['Defender banned for violent conduct', ['suspension']],
    ['Team news: Arsenal starting XI to face Chelsea', ['lineup']],
    ['Confirmed line-up: Slot names unchanged side', ['lineup']],
    ['Red Roses make three changes to side for crunch New Zealand clash', ['lineup']],
    ['Team news: Saka injured, Rice suspended, Kiwior starts', ['injury', 'lineup', 'suspension']],
  ])('%s → %j', (text, expected) => {
    expect(flags(text)).toEqual(expected);
  });

  it.each([
    // real BBC headlines with none of the three
    'Should teams bring on players just for penalty shootouts?',
    'Liverpool ship four second-half goals to leave Iraola with much to ponder',
    'Newcastle sign Braga keeper Hornicek for £25.7m',
    // look-alikes
    'Injury-time winner sends Villa top',
    'Chelsea knocked out of the League Cup in the knockout stage',
    'Match suspended after floodlight failure',
    'Arsenal line up a bid for Gyokeres',
    'Club have ruled out a move for the striker',
    'Fans welcome the end of the ban on standing',
    'A knee-jerk reaction to one defeat',
  ])('no flags: %s', (text) => {
    expect(flags(text)).toEqual([]);
  });
});
