import { describe, expect, it } from 'vitest';
import { canonicalLink, dedupeByLink, FEEDS, htmlToText, parseFeedDate, transformRss } from '../../../pipelines/_news/transform.js';
import { BBC_RSS, fixtureText, SKY_RSS } from './fixtures.js';

describe('canonicalLink', () => {
  it.each([
    // BBC's RSS tracking parameters
    [
      'https://www.bbc.co.uk/sport/football/articles/cp30vg829nxo?at_medium=RSS&at_campaign=rss',
      'https://www.bbc.co.uk/sport/football/articles/cp30vg829nxo',
    ],
    // guid fragment (#0…#16)
    ['https://www.bbc.co.uk/sport/football/articles/cddjm88m4vno#14', 'https://www.bbc.co.uk/sport/football/articles/cddjm88m4vno'],
    // utm_* and click ids, host case, default port, trailing slash
    ['HTTPS://WWW.SkySports.com:443/football/news/?utm_source=x&UTM_Medium=y&fbclid=abc', 'https://www.skysports.com/football/news'],
    // meaningful parameters stay, sorted
    ['https://example.com/article?page=2&id=7&utm_campaign=z', 'https://example.com/article?id=7&page=2'],
    // root keeps its slash
    ['https://www.bbc.co.uk/', 'https://www.bbc.co.uk/'],
    ['https://www.bbc.co.uk', 'https://www.bbc.co.uk/'],
    // http is upgraded by default
    ['http://www.skysports.com/football', 'https://www.skysports.com/football'],
    ['http://example.com:80/a/', 'https://example.com/a'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalLink(input)).toBe(expected);
  });

  it('upgrades http only for the hosts given when a feed says which it serves over https', () => {
    const httpsHosts = new Set(['www.skysports.com']);
    expect(canonicalLink('http://www.skysports.com/a', { httpsHosts })).toBe('https://www.skysports.com/a');
    expect(canonicalLink('http://legacy.example.org/a', { httpsHosts })).toBe('http://legacy.example.org/a');
  });

  it('is idempotent and rejects what is not an absolute http(s) URL', () => {
    const once = canonicalLink('https://www.bbc.co.uk/sport/football/articles/c3ekzyz1qj8o/?at_medium=RSS#0')!;
    expect(canonicalLink(once)).toBe(once);
    expect(canonicalLink('/sport/football/articles/x')).toBeNull();
    expect(canonicalLink('ftp://example.com/file')).toBeNull();
    expect(canonicalLink('javascript:alert(1)')).toBeNull();
    expect(canonicalLink('')).toBeNull();
  });
});

describe('parseFeedDate / htmlToText', () => {
  it.each([
    ['Mon, 03 Aug 2026 07:49:33 GMT', '2026-08-03T07:49:33.000Z'],
    ['Thu, 24 Sep 2026 15:22:00 BST', '2026-09-24T14:22:00.000Z'],
    ['Thu, 24 Sep 2026 15:22:00 +0100', '2026-09-24T14:22:00.000Z'],
    ['24 Sep 26 10:00 EDT', '2026-09-24T14:00:00.000Z'],
    ['2026-09-24T15:22:00+01:00', '2026-09-24T14:22:00.000Z'],
  ])('%s → %s', (input, iso) => {
    expect(parseFeedDate(input)?.toISOString()).toBe(iso);
  });

  it.each(['Someday 2026', 'Mon, 03 Aug 2026 07:49:33', 'Mon, 03 Aug 2026 07:49:33 XYZ', 'Tue, 31 Feb 2026 10:00:00 GMT', ''])(
    'rejects "%s"',
    (input) => {
      expect(parseFeedDate(input)).toBeNull();
    },
  );

  it('strips tags and decodes entities after, once', () => {
    expect(htmlToText('<p>Hearts &amp; Rangers<br/>draw &#8216;again&#8217; &ndash; caf&eacute; &lt;b&gt;</p>')).toBe(
      'Hearts & Rangers draw ‘again’ – café <b>',
    );
    expect(htmlToText('over Australia &#8204;in Durban')).toBe('over Australia in Durban');
  });
});

describe('transformRss — BBC', () => {
  const result = transformRss(fixtureText(BBC_RSS), FEEDS.bbc);

  it('70 items: 6 repeated stories dropped, 64 articles, nothing quarantined', () => {
    expect(result.quarantined).toEqual([]);
    expect(result.duplicates).toBe(6);
    expect(result.filteredOut).toBe(0);
    expect(result.records).toHaveLength(64);
    expect(new Set(result.records.map((a) => a.link)).size).toBe(64);
    expect(result.records.every((a) => !a.link.includes('?') && !a.link.includes('#'))).toBe(true);
  });

  it('maps the first item exactly', () => {
    expect(result.records[0]).toEqual({
      provider: 'bbc',
      guid: 'https://www.bbc.co.uk/sport/football/articles/cp30vg829nxo#0',
      headline: 'FA set to withdraw support for Fifa president Infantino',
      description:
        'The English Football Association is set to write to Fifa president Gianni Infantino withdrawing its support amid the fallout from his scrapped plans to sell off stakes in Fifa competitions to private investors.',
      link: 'https://www.bbc.co.uk/sport/football/articles/cp30vg829nxo',
      published: new Date('2026-08-03T07:49:33Z'),
      image: 'https://ichef.bbci.co.uk/ace/standard/240/cpsprodpb/d0fe/live/77f3d980-8d91-11f1-800e-433295bded5e.jpg',
      categories: [],
    });
  });

  it('a repeated story is kept once, in its first position (guid #0, not #14)', () => {
    const celtic = result.records.filter((a) => a.link === 'https://www.bbc.co.uk/sport/football/articles/cddjm88m4vno');
    expect(celtic).toHaveLength(1);
    expect(celtic[0]!.guid).toBe('https://www.bbc.co.uk/sport/football/articles/cddjm88m4vno#0');
    expect(celtic[0]!.headline).toBe('Celtic drawn against LASK as Hearts & Rangers discover opponents');
  });

  it('derived: an item without a link and one with a bad date are quarantined, the rest kept', () => {
    const xml = fixtureText(BBC_RSS)
      .replace('<link>https://www.bbc.co.uk/sport/football/articles/cp30vg829nxo?at_medium=RSS&amp;at_campaign=rss</link>', '')
      .replace('<pubDate>Mon, 03 Aug 2026 08:00:39 GMT</pubDate>', '<pubDate>Someday 2026</pubDate>');
    const r = transformRss(xml, FEEDS.bbc);
    expect(r.records).toHaveLength(62);
    expect(r.quarantined.map((q) => [q.source, q.recordKey, q.error])).toEqual([
      ['rss.bbc', 'https://www.bbc.co.uk/sport/football/articles/cp30vg829nxo#0', 'link: missing'],
      [
        'rss.bbc',
        'https://www.bbc.co.uk/sport/football/articles/c3ekzyz1qj8o',
        'pubDate: not an RFC-822 date with a known zone: "Someday 2026"',
      ],
    ]);
  });

  it('a document that is not RSS is quarantined whole and unreadable', () => {
    const r = transformRss('<html><body>Service unavailable</body></html>', FEEDS.bbc);
    expect(r.records).toEqual([]);
    expect(r.unreadable).toBe('no rss > channel element');
    expect(r.quarantined).toEqual([
      { source: 'rss.bbc', recordKey: FEEDS.bbc.url, raw: '<html><body>Service unavailable</body></html>', error: 'no rss > channel element' },
    ]);
  });

  it.each([
    ['after ten items', 10],
    ['before the first item', 0],
  ])('derived: a feed cut short %s is unreadable and yields no record', (_what, items) => {
    const xml = fixtureText(BBC_RSS);
    let end = xml.indexOf('<item>');
    for (let i = 0; i < items; i++) end = xml.indexOf('</item>', end + 1) + '</item>'.length;
    const r = transformRss(xml.slice(0, end), FEEDS.bbc);
    expect(r.records).toEqual([]);
    expect(r.unreadable).toBe('XML does not parse: the document ends inside <rss> <channel> (cut short)');
    expect(r.quarantined).toHaveLength(1);
  });

  it('derived: malformed XML is unreadable, naming where', () => {
    const r = transformRss(fixtureText(BBC_RSS).replace('</title>', '</titel>'), FEEDS.bbc);
    expect(r.records).toEqual([]);
    expect(r.unreadable).toMatch(/^XML does not parse: .*titel.*\(line \d+, column \d+\)$/);
    // An unescaped "&" in a URL, as real feeds have, is no reason to refuse the feed.
    const sloppy = transformRss(fixtureText(BBC_RSS).replaceAll('?at_medium=RSS&amp;at_campaign=rss', '?at_medium=RSS&at_campaign=rss'), FEEDS.bbc);
    expect(sloppy.unreadable).toBeNull();
    expect(sloppy.records).toHaveLength(64);
  });

  it('derived: placeholder text ("null", "undefined", blanks) is stored as no text', () => {
    const items = ['null', 'undefined', '   ', 'NULL', '<p> null </p>'].map(
      (d, i) => `<item><title>Story ${i}</title><link>https://www.bbc.co.uk/sport/football/articles/p${i}</link><description>${d}</description><pubDate>Mon, 03 Aug 2026 09:00:00 GMT</pubDate><guid>null</guid><category>undefined</category><category>Premier League</category></item>`,
    );
    const r = transformRss(`<rss><channel><link>https://www.bbc.co.uk/sport</link>${items.join('')}<item><title>null</title><link>https://www.bbc.co.uk/x</link><pubDate>Mon, 03 Aug 2026 09:00:00 GMT</pubDate></item></channel></rss>`, FEEDS.bbc);
    expect(r.records.map((a) => [a.description, a.guid, a.categories])).toEqual(
      items.map((_, i) => [null, `https://www.bbc.co.uk/sport/football/articles/p${i}`, ['Premier League']]),
    );
    expect(r.quarantined.map((q) => q.error)).toEqual(['title: empty title']);
  });
});

describe('transformRss — Sky (all sports, BST dates)', () => {
  it('keeps the 4 football items, converts BST to UTC, empty descriptions become null', () => {
    const r = transformRss(fixtureText(SKY_RSS), FEEDS.sky);
    expect(r.quarantined).toEqual([]);
    expect(r.filteredOut).toBe(16);
    expect(r.records.map((a) => [a.headline, a.published.toISOString(), a.description === null, a.categories])).toEqual([
      ['Portugal vs Wales LIVE!', '2026-09-24T14:22:00.000Z', true, ['Liveblog']],
      ['Premier League in joint call for FIFA reform amid Infantino crisis', '2026-09-24T17:00:00.000Z', false, ['News Story']],
      ['EFL latest: Preston given permission to speak to Alexander', '2026-09-23T14:55:00.000Z', true, ['Liveblog']],
      ["Ballon d'Or: Kane, Lamine Yamal, Mbappe and the main runners and riders assessed", '2026-09-24T08:49:00.000Z', false, ['News Story']],
    ]);
    expect(r.records[0]).toMatchObject({
      guid: 'https://www.skysports.com/football/portugal-vs-wales/live/553987',
      link: 'https://www.skysports.com/football/portugal-vs-wales/live/553987',
      image: 'https://e1.365dm.com/26/09/1920x1080/skysports-football-cristiano-ronaldo_7359717.jpg?20260923183938',
    });
  });

  it('without the football filter all 20 parse; entities in CDATA are decoded', () => {
    const r = transformRss(fixtureText(SKY_RSS), { provider: 'sky', url: FEEDS.sky.url });
    expect(r.records).toHaveLength(20);
    const golf = r.records.find((a) => a.headline.startsWith('Fitzpatrick'));
    expect(golf?.description).toContain('after a ‘dream start’ at Le Golf National.');
    const cricket = r.records.find((a) => a.headline.startsWith('Breetzke'));
    expect(cricket?.description).toContain('over Australia in the first one-day international');
  });

  it('derived: an http link with tracking on a host the feed serves over https is upgraded and cleaned', () => {
    const xml = fixtureText(SKY_RSS).replace(
      '<link>https://www.skysports.com/football/portugal-vs-wales/live/553987</link>',
      '<link>http://WWW.SKYSPORTS.COM/football/portugal-vs-wales/live/553987/?utm_source=rss&amp;utm_medium=feed#top</link>',
    );
    expect(transformRss(xml, FEEDS.sky).records[0]!.link).toBe('https://www.skysports.com/football/portugal-vs-wales/live/553987');
  });
});

describe('dedupeByLink', () => {
  it('keeps the first article per canonical link across feeds', () => {
    const a = { link: 'https://x.com/1', from: 'bbc' };
    const b = { link: 'https://x.com/2', from: 'bbc' };
    const c = { link: 'https://x.com/1', from: 'sky' };
    expect(dedupeByLink([a, b, c])).toEqual([a, b]);
  });
});
