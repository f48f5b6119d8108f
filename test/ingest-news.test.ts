// News ingestion end to end: a local server replays the recorded BBC and Sky RSS feeds and the ESPN news
// payload (plus a small aggregator feed written here, which repeats some of their stories under other
// URLs) to a real engine on real Redis and PostgreSQL.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { queues } from '../queues/index.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const BBC = fixture('news/bbc-sport-football-rss.xml');
const SKY = fixture('news/skysports-news-12040-rss.xml');
const ESPN_NEWS = fixture('espn/news-eng.1.json');

const item = (title: string, link: string, description: string, pubDate = 'Mon, 03 Aug 2026 09:00:00 GMT') =>
  `<item><title><![CDATA[${title}]]></title><link>${link}</link><description><![CDATA[${description}]]></description><pubDate>${pubDate}</pubDate><guid isPermaLink="false">${link}</guid></item>`;

/** Another feed carrying BBC and Sky stories under other URLs, two stories of its own and one broken item. */
const AGG = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Football aggregator</title><link>https://agg.example.com/</link>
${item('Newcastle complete Hornicek deal', 'https://www.bbc.co.uk/sport/football/articles/c3ekzyz1qj8o?utm_source=agg&utm_medium=rss', 'Reworded by the aggregator.')}
${item('Chelsea sign Strasbourg midfielder Barco', 'http://www.bbc.co.uk/sport/football/articles/cdrv6e5m87no/#comments', 'Chelsea complete the signing of Valentin Barco.')}
${item('Celtic drawn against LASK as Hearts &amp; Rangers discover opponents', 'https://www.bbc.co.uk/sport/football/articles/cddjm88m4vno?at_medium=RSS&amp;at_campaign=rss&amp;fbclid=xyz', 'Champions League play-off draw.')}
${item('Premier League in joint call for FIFA reform', 'https://www.skysports.com/football/news/12040/13591530/gianni-infantino-premier-league-and-three-other-top-european-leagues-to-demand-fifa-reform?utm_campaign=agg', 'Governance reform.')}
${item('Chelsea striker banned for three games after red card appeal fails', 'https://agg.example.com/news/chelsea-striker-banned', 'The Blues will be without their top scorer for the visit of Liverpool.')}
${item('Man Utd team news: predicted lineup against Liverpool', 'https://agg.example.com/news/man-utd-predicted-lineup', 'Two changes expected to the starting XI.')}
${item('Broken item with a date nobody can read', 'https://agg.example.com/news/broken', 'Its pubDate is not a date.', 'sometime next week')}
</channel></rss>`;

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const up = new FakeUpstream();
const prefix = uniquePrefix();
let bbcBody = BBC;
const team: Record<string, number> = {};

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await up.start();
  up.route('/feeds/bbc/rss.xml', { body: () => bbcBody, contentType: 'application/rss+xml' });
  up.route('/rss/12040', { body: SKY, contentType: 'application/rss+xml' });
  up.route('/agg/feed.xml', { body: AGG, contentType: 'application/rss+xml' });
  up.route('/eng.1/news', { body: ESPN_NEWS });
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, queues, extendDeps: createPipelineDeps,
    env: {
      NEWS_FEEDS: `bbc=${url}/feeds/bbc/rss.xml,sky=${url}/rss/12040,agg=${url}/agg/feed.xml`, ESPN_BASE_URL: url,
      WORKER_QUEUES: 'ingest-news-rss,ingest-espn-news,ingest-replay', SCHEDULES_ENABLED: 'false', RATE_LIMITS_ENABLED: 'false',
    },
  });
  const teams: Array<[key: string, providerId: string, name: string, shortName: string | null, abbreviation: string | null, aliases: string[]]> = [
    ['chelsea', '363', 'Chelsea', null, 'CHE', ['The Blues']],
    ['manUtd', '360', 'Manchester United', 'Man United', 'MUN', ['Man Utd']],
    ['newcastle', '361', 'Newcastle United', 'Newcastle', 'NEW', ['Magpies']],
    ['liverpool', '364', 'Liverpool', null, 'LIV', []],
    ['spurs', '367', 'Tottenham Hotspur', 'Tottenham', 'TOT', ['Spurs']],
    ['celtic', '256', 'Celtic', null, 'CEL', ['The Bhoys']],
    ['wolves', '380', 'Wolverhampton Wanderers', 'Wolves', 'WOL', []],
    ['realMadrid', '86', 'Real Madrid', null, 'RMA', []],
  ];
  for (const [key, providerId, name, shortName, abbreviation, aliases] of teams) {
    team[key] = (await engine.db.team.create({ data: { provider: 'espn', providerId, name, shortName, abbreviation, aliases } })).id;
  }
});
afterAll(async () => {
  await engine?.stop();
  await up.stop();
  await db?.drop();
});

async function runJob(queue: string, payload: object, expectState = 'completed') {
  const { body, status } = await engine.request('POST', `/jobs/${queue}`, { body: payload });
  expect(status).toBe(202);
  let last: { state?: string; failedReason?: string } = {};
  return waitFor(async () => {
    const job = (await engine.request('GET', `/jobs/${queue}/${body.id}`)).body;
    last = job;
    return job.state === expectState && job;
  }, 15_000, `${queue} job to be ${expectState}`).catch((err) => {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last).slice(0, 600)}`);
  });
}
const rss = (feed: string, state?: string) => runJob('ingest-news-rss', { feed }, state);
const article = (link: string) => engine.db.article.findUniqueOrThrow({ where: { link }, include: { teams: true } });
const teamsOf = async (link: string) => (await article(link)).teams.map((t) => t.teamId).sort((a, b) => a - b);
const ids = (...keys: string[]) => keys.map((k) => team[k]!).sort((a, b) => a - b);
const snapshot = async () => ({
  articles: await engine.db.article.findMany({ orderBy: { id: 'asc' } }),
  links: await engine.db.articleTeam.count(),
  payloads: await engine.db.rawPayload.count(),
});

const BBC_ARTICLE = (id: string) => `https://www.bbc.co.uk/sport/football/articles/${id}`;

describe('RSS feeds', () => {
  it('stores the BBC feed once per canonical link, flagged and linked to teams, and records the run', async () => {
    const job = await rss('bbc');
    // 70 items, 6 of them repeated stories.
    expect(job.result).toMatchObject({ feed: 'bbc', changed: true, duplicates: 6, counts: { fetched: 1, inserted: 64, updated: 0, unchanged: 0, quarantined: 0 } });
    expect(await engine.db.article.count({ where: { provider: 'bbc' } })).toBe(64);
    const signing = await article(BBC_ARTICLE('c3ekzyz1qj8o'));
    expect(signing).toMatchObject({ provider: 'bbc', headline: 'Newcastle sign Braga keeper Hornicek for £25.7m', flags: [] });
    expect(signing.published?.toISOString()).toMatch(/^2026-/);
    expect(await teamsOf(BBC_ARTICLE('c3ekzyz1qj8o'))).toEqual(ids('newcastle'));
    // "Spurs" is an alias; Liverpool is named in the description.
    expect(await teamsOf(BBC_ARTICLE('cn7n66edplno'))).toEqual(expect.arrayContaining(ids('spurs', 'liverpool')));
    expect(await teamsOf(BBC_ARTICLE('cddjm88m4vno'))).toEqual(ids('celtic'));
    expect((await article(BBC_ARTICLE('c235g2vngk9o'))).flags).toEqual(['injury']);
    expect((await article(BBC_ARTICLE('c235g2vngk9o'))).headline).toMatch(/^Beever-Jones .* injury troubles/);
    const run = await engine.db.pipelineRun.findFirstOrThrow({ where: { queue: 'ingest-news-rss', jobId: job.id } });
    expect(run.counts).toMatchObject({ fetched: 1, inserted: 64 });
  });

  it('keeps only the football stories of the all-sports Sky feed', async () => {
    const job = await rss('sky');
    expect(job.result).toMatchObject({ filteredOut: 16, counts: { inserted: 4, quarantined: 0 } });
    expect(await engine.db.article.count({ where: { provider: 'sky' } })).toBe(4);
  });

  it('writes nothing when the feed is unchanged, nor when only its bytes changed', async () => {
    const before = await snapshot();
    const same = await rss('bbc');
    expect(same.result).toMatchObject({ changed: false, counts: { fetched: 1, inserted: 0, updated: 0, unchanged: 0 } });
    bbcBody = BBC.replace('</channel>', '<!-- rebuilt --></channel>');
    const rebuilt = await rss('bbc');
    expect(rebuilt.result).toMatchObject({ changed: true, teamLinks: 0, counts: { inserted: 0, updated: 0, unchanged: 64 } });
    const after = await snapshot();
    expect(after.articles).toEqual(before.articles);
    expect(after.links).toBe(before.links);
    expect(after.payloads).toBe(before.payloads + 1); // the new bytes are archived, nothing else is written
    bbcBody = BBC;
  });

  it('stores a story once across feeds, flags team news, and quarantines a broken item while storing the rest', async () => {
    const before = await engine.db.article.count();
    const job = await rss('agg');
    // 4 stories BBC and Sky already brought (under other URLs), 2 new, 1 broken.
    expect(job.result.counts).toEqual({ fetched: 1, inserted: 2, updated: 0, unchanged: 4, quarantined: 1 });
    expect(await engine.db.article.count()).toBe(before + 2);
    // The first feed keeps the story: another feed neither duplicates nor rewrites it.
    for (const id of ['c3ekzyz1qj8o', 'cdrv6e5m87no', 'cddjm88m4vno']) expect(await engine.db.article.count({ where: { link: BBC_ARTICLE(id) } })).toBe(1);
    expect(await article(BBC_ARTICLE('c3ekzyz1qj8o'))).toMatchObject({ provider: 'bbc', headline: 'Newcastle sign Braga keeper Hornicek for £25.7m' });

    const ban = await article('https://agg.example.com/news/chelsea-striker-banned');
    expect(ban).toMatchObject({ provider: 'agg', flags: ['suspension'] });
    expect(ban.teams.map((t) => t.teamId).sort((a, b) => a - b)).toEqual(ids('chelsea', 'liverpool'));
    const lineup = await article('https://agg.example.com/news/man-utd-predicted-lineup');
    expect(lineup.flags).toEqual(['lineup']);
    expect(lineup.teams.map((t) => t.teamId).sort((a, b) => a - b)).toEqual(ids('manUtd', 'liverpool'));

    const q = await engine.db.quarantinedRecord.findUniqueOrThrow({ where: { source_recordKey: { source: 'rss.agg', recordKey: 'https://agg.example.com/news/broken' } } });
    expect(q.error).toMatch(/pubDate: not an RFC-822 date/);
    expect(await engine.db.article.count({ where: { link: 'https://agg.example.com/news/broken' } })).toBe(0);
  });

  it('fails a feed name NEWS_FEEDS does not configure for good, and a body that is not RSS retryably', async () => {
    const unknown = await rss('guardian', 'failed');
    expect(unknown.failedReason).toMatch(/unknown news feed "guardian": NEWS_FEEDS configures bbc, sky, agg/);
    const before = await snapshot();
    up.fail({ kind: 'status', status: 200, body: '<html>maintenance</html>' }, 1, '/feeds/bbc/');
    const broken = await rss('bbc', 'delayed');
    expect(broken.failedReason).toMatch(/rss\.bbc: no rss > channel element/);
    await engine.producer.queue('ingest-news-rss').remove(broken.id);
    expect(await snapshot()).toEqual(before);
  });

  it('fails a feed cut short retryably, storing nothing: no article, no quarantine, no archived payload', async () => {
    const before = { ...(await snapshot()), quarantined: await engine.db.quarantinedRecord.count() };
    // Complete responses (200, the whole Content-Length) whose XML stops after ten items, or before any.
    for (const items of [10, 0]) {
      let end = BBC.indexOf('<item>');
      for (let i = 0; i < items; i++) end = BBC.indexOf('</item>', end + 1) + '</item>'.length;
      bbcBody = BBC.slice(0, end);
      const cut = await rss('bbc', 'delayed');
      expect(cut).toMatchObject({ attempts: 1, failedReason: expect.stringMatching(/^rss\.bbc: XML does not parse: the document ends inside <rss> <channel> \(cut short\)/) });
      await engine.producer.queue('ingest-news-rss').remove(cut.id);
    }
    bbcBody = BBC;
    expect({ ...(await snapshot()), quarantined: await engine.db.quarantinedRecord.count() }).toEqual(before);
  });

  it('stores no placeholder text: a description "null", "undefined" or blank is NULL', async () => {
    const links = ['null', 'undefined', '  ', 'NULL'].map((_, i) => BBC_ARTICLE(`placeholder${i}`));
    const items = ['null', 'undefined', '  ', 'NULL'].map((d, i) => item(`Placeholder story ${i}`, links[i]!, d));
    bbcBody = `<?xml version="1.0"?><rss version="2.0"><channel><title>BBC</title><link>https://www.bbc.co.uk/sport/football</link>${items.join('')}</channel></rss>`;
    const job = await rss('bbc');
    bbcBody = BBC;
    expect(job.result.counts).toMatchObject({ inserted: 4, quarantined: 0 });
    const stored = await engine.db.article.findMany({ where: { link: { in: links } } });
    expect(stored.map((a) => a.description)).toEqual([null, null, null, null]);
  });
});

describe('ESPN news', () => {
  it('stores the league news linked by ESPN team id and by name, once', async () => {
    const job = await runJob('ingest-espn-news', { league: 'eng.1' });
    expect(job.result).toMatchObject({ league: 'eng.1', changed: true, counts: { fetched: 1, inserted: 6, quarantined: 0 } });
    const story = (id: string, slug: string) => `https://www.espn.com/soccer/story/_/id/${id}/${slug}`;
    const cunha = await article(story('45341965', 'man-united-transfer-matheus-cunha-wolves'));
    expect(cunha).toMatchObject({ provider: 'espn', providerId: '45341965' });
    expect(cunha.teams.map((t) => t.teamId).sort((a, b) => a - b)).toEqual(ids('manUtd', 'wolves'));
    // Tagged with Real Betis (244), which is no team of ours: no bogus team, Man United still linked.
    expect(await teamsOf(story('45406161', 'antony-says-farewell-real-betis-amid-man-united-return'))).toEqual(ids('manUtd'));
    expect(await teamsOf(story('45404596', 'real-madrid-edge-man-united-world-most-valuable-club-4th-straight-year'))).toEqual(ids('manUtd', 'realMadrid'));
    expect(await teamsOf(story('45396379', 'transfer-rumors-news-chelsea-eye-mainoo-branthwaite-moves'))).toEqual(ids('manUtd', 'chelsea'));
    expect(await teamsOf(story('45342881', 'summer-transfer-window-grading-big-signings-mens-soccer'))).toEqual([]);
    expect(await engine.db.team.count()).toBe(8);

    const before = await snapshot();
    const again = await runJob('ingest-espn-news', { league: 'eng.1' });
    expect(again.result).toMatchObject({ changed: false, counts: { inserted: 0, updated: 0 } });
    expect(await snapshot()).toEqual(before);
  });
});

describe('archive replay', () => {
  it('rebuilds articles and team links from the archived feeds, with no network', async () => {
    const articles = await engine.db.article.count();
    const links = await engine.db.articleTeam.count();
    expect(articles).toBeGreaterThan(0);
    await engine.db.article.deleteMany({});
    const requests = up.requests.length;
    const job = await runJob('ingest-replay', {});
    expect(up.requests.length).toBe(requests);
    expect(job.result.payloads).toBe(await engine.db.rawPayload.count());
    expect(await engine.db.article.count()).toBe(articles);
    expect(await engine.db.articleTeam.count()).toBe(links);
  });
});
