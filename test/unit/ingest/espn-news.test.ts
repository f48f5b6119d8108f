import { describe, expect, it } from 'vitest';
import { transformEspnNews } from '../../../pipelines/_espn/transform.js';
import { EPL_NEWS, fixtureJson } from './fixtures.js';

describe('transformEspnNews', () => {
  it('returns the 6 articles with team ids from categories of type team', () => {
    const { records, quarantined } = transformEspnNews(fixtureJson(EPL_NEWS));
    expect(quarantined).toEqual([]);
    expect(records.map((a) => [a.providerId, a.teamProviderIds])).toEqual([
      ['45419698', ['360']],
      ['45342881', []],
      ['45341965', ['360', '380']],
      ['45406161', ['360', '244']],
      ['45396379', ['360', '363']],
      ['45404596', ['360', '86']],
    ]);
    expect(records[0]).toEqual({
      provider: 'espn',
      providerId: '45419698',
      headline: "David Beckham criticises on-tour Man United players: 'Not acceptable'",
      description:
        'Manchester United legend David Beckham has said he has been disappointed by the behaviour of the squad during their postseason tour of Asia, saying he sees "a lot of things that are not acceptable."',
      link: 'https://www.espn.com/soccer/story/_/id/45419698/david-beckham-criticises-tour-man-united-players-not-acceptable',
      published: new Date('2025-06-01T13:50:00Z'),
      teamProviderIds: ['360'],
      image: 'https://a.espncdn.com/photo/2023/0728/r1203252_1296x729_16-9.jpg',
    });
  });

  it('derived: a garbage date and a missing web link are quarantined, the other 4 kept', () => {
    const payload = fixtureJson(EPL_NEWS);
    payload.articles[1].published = 'yesterday';
    delete payload.articles[4].links.web;
    const { records, quarantined } = transformEspnNews(payload);
    expect(records.map((a) => a.providerId)).toEqual(['45419698', '45341965', '45406161', '45404596']);
    expect(quarantined.map((q) => [q.source, q.recordKey, q.error.split(':')[0]])).toEqual([
      ['espn.news', '45342881', 'published'],
      ['espn.news', '45396379', 'links.web'],
    ]);
    expect(quarantined[0]!.raw).toBe(payload.articles[1]);
  });

  it('canonicalises the link (tracking parameters and fragment removed)', () => {
    const payload = fixtureJson(EPL_NEWS);
    payload.articles = [payload.articles[2]];
    payload.articles[0].links.web.href += '?utm_source=twitter&utm_medium=social#comments';
    expect(transformEspnNews(payload).records[0]!.link).toBe(
      'https://www.espn.com/soccer/story/_/id/45341965/man-united-transfer-matheus-cunha-wolves',
    );
  });
});
