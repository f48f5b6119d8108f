import { describe, expect, it } from 'vitest';
import { bestGeocodingMatch, countryCodeFor, geocodingSearch } from '../../../pipelines/_open-meteo/transform.js';
import { fixtureJson } from './fixtures.js';

// These geocoding payloads are hand-made (see test/fixtures/README.md).
const LONDON = 'weather/handmade-geocoding-london.json';
const ARLINGTON = 'weather/handmade-geocoding-arlington.json';
const NONE = 'weather/handmade-geocoding-no-results.json';

describe('bestGeocodingMatch', () => {
  it('London, England → the GB result', () => {
    const { match, reason, quarantined } = bestGeocodingMatch(fixtureJson(LONDON), { city: 'London', country: 'England' });
    expect(reason).toBeNull();
    expect(quarantined).toEqual([]);
    expect(match).toEqual({
      providerId: '2643743',
      name: 'London',
      latitude: 51.50853,
      longitude: -0.12574,
      country: 'United Kingdom',
      countryCode: 'GB',
      admin1: 'England',
      timezone: 'Europe/London',
      population: 8961989,
      featureCode: 'PPLC',
    });
  });

  it('the country decides before population: London, Canada → Ontario; London, USA → the larger US one', () => {
    expect(bestGeocodingMatch(fixtureJson(LONDON), { city: 'London', country: 'Canada' }).match?.admin1).toBe('Ontario');
    expect(bestGeocodingMatch(fixtureJson(LONDON), { city: 'London', country: 'USA' }).match).toMatchObject({
      admin1: 'Ohio',
      population: 10060,
    });
    expect(bestGeocodingMatch(fixtureJson(LONDON), { city: 'London', country: 'US' }).match?.providerId).toBe('4517009');
  });

  it('the region in an ESPN "City, State" beats population', () => {
    expect(bestGeocodingMatch(fixtureJson(ARLINGTON), { city: 'Arlington, Virginia', country: 'USA' }).match).toMatchObject({
      providerId: '4744709',
      timezone: 'America/New_York',
    });
    expect(bestGeocodingMatch(fixtureJson(ARLINGTON), { city: 'Arlington, Texas', country: 'USA' }).match).toMatchObject({
      providerId: '4671240',
      timezone: 'America/Chicago',
    });
  });

  it('without a country, the largest population wins', () => {
    expect(bestGeocodingMatch(fixtureJson(LONDON), { city: 'London' }).match?.countryCode).toBe('GB');
  });

  it('no result in the requested country is no match, with a reason', () => {
    expect(bestGeocodingMatch(fixtureJson(LONDON), { city: 'London', country: 'Mexico' })).toEqual({
      match: null,
      reason: '4 result(s) for "London", none in MX',
      quarantined: [],
    });
  });

  it('a response without `results` means nothing was found', () => {
    expect(bestGeocodingMatch(fixtureJson(NONE), { city: 'Nowhereville', country: 'England' })).toEqual({
      match: null,
      reason: 'no geocoding result for "Nowhereville"',
      quarantined: [],
    });
  });

  it('derived: a result with a string latitude is quarantined, the others still compete', () => {
    const raw = fixtureJson(LONDON);
    raw.results[0].latitude = '51.5';
    const { match, quarantined } = bestGeocodingMatch(raw, { city: 'London' });
    expect(match?.providerId).toBe('6058560');
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ source: 'open-meteo.geocoding', recordKey: '2643743', raw: raw.results[0] });
    expect(quarantined[0]!.error).toMatch(/^latitude: /);
  });
});

describe('geocoding helpers', () => {
  it('splits ESPN cities into the search name and a region hint', () => {
    expect(geocodingSearch('Miami Gardens, Florida')).toEqual({ name: 'Miami Gardens', region: 'Florida' });
    expect(geocodingSearch('Mexico City')).toEqual({ name: 'Mexico City', region: null });
  });

  it.each([
    ['England', 'GB'],
    ['Wales', 'GB'],
    ['USA', 'US'],
    ['United States', 'US'],
    ['Mexico', 'MX'],
    ['Türkiye', 'TR'],
    ['de', 'DE'],
    ['UK', 'GB'],
    ['Atlantis', null],
  ])('countryCodeFor(%s) → %s', (name, code) => {
    expect(countryCodeFor(name)).toBe(code);
  });
});
