// Open-Meteo geocoding (`/v1/search?name=`) → the venue city's coordinates. The search matches the
// place name only, so the country (and ESPN's "City, State" region) are applied here, on the results.
import { z } from 'zod';
import { foldText } from '../_news/text.js';
import { keyString, prop, validateRecords, type Quarantined } from '../_feeds/transform.js';

export const GEOCODING_SOURCE = 'open-meteo.geocoding';

export interface GeocodeQuery {
  /** As ESPN gives it: "London", or "Miami Gardens, Florida". */
  city: string;
  /** A name ("England", "USA") or an ISO 3166-1 alpha-2 code. */
  country?: string | null;
}

export interface GeocodedPlace {
  providerId: string | null;
  name: string;
  latitude: number;
  longitude: number;
  country: string | null;
  countryCode: string | null;
  admin1: string | null;
  timezone: string | null;
  population: number | null;
  featureCode: string | null;
}

export interface GeocodeOutcome {
  match: GeocodedPlace | null;
  /** Why there is no match (nothing found, nothing in the requested country…). */
  reason: string | null;
  /** Results that failed validation (they never win). */
  quarantined: Quarantined[];
}

/** Football's country names (ESPN uses the home nations and "USA") → ISO alpha-2. */
const COUNTRY_CODES: Record<string, string> = {
  england: 'GB', scotland: 'GB', wales: 'GB', 'northern ireland': 'GB', 'united kingdom': 'GB', uk: 'GB',
  'great britain': 'GB', usa: 'US', us: 'US', 'united states': 'US', 'united states of america': 'US',
  mexico: 'MX', canada: 'CA', spain: 'ES', germany: 'DE', italy: 'IT', france: 'FR', netherlands: 'NL',
  holland: 'NL', portugal: 'PT', belgium: 'BE', brazil: 'BR', argentina: 'AR', ireland: 'IE',
  'republic of ireland': 'IE', australia: 'AU', japan: 'JP', 'south korea': 'KR', 'korea republic': 'KR',
  'saudi arabia': 'SA', qatar: 'QA', turkey: 'TR', turkiye: 'TR', switzerland: 'CH', austria: 'AT',
  denmark: 'DK', sweden: 'SE', norway: 'NO', poland: 'PL', croatia: 'HR', serbia: 'RS', greece: 'GR',
  ukraine: 'UA', 'czech republic': 'CZ', czechia: 'CZ', morocco: 'MA', egypt: 'EG', 'south africa': 'ZA',
  nigeria: 'NG', colombia: 'CO', chile: 'CL', uruguay: 'UY', paraguay: 'PY', ecuador: 'EC', peru: 'PE',
  china: 'CN', 'united arab emirates': 'AE', uae: 'AE',
};

/** ISO alpha-2 for a country name or code; null when unknown. */
export function countryCodeFor(country: string): string | null {
  const trimmed = country.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed) && !COUNTRY_CODES[trimmed.toLowerCase()]) return trimmed.toUpperCase();
  return COUNTRY_CODES[foldText(trimmed)] ?? null;
}

/** "Miami Gardens, Florida" → search "Miami Gardens", region hint "Florida". */
export function geocodingSearch(city: string): { name: string; region: string | null } {
  const [name = '', ...rest] = city.split(',').map((p) => p.trim());
  const region = rest.join(', ');
  return { name, region: region === '' ? null : region };
}

const resultSchema = z
  .object({
    id: z.number().int().nullish(),
    name: z.string().min(1),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    country: z.string().nullish(),
    country_code: z.string().nullish(),
    admin1: z.string().nullish(),
    timezone: z.string().nullish(),
    population: z.number().nonnegative().nullish(),
    feature_code: z.string().nullish(),
  })
  .transform(
    (r): GeocodedPlace => ({
      providerId: r.id === null || r.id === undefined ? null : String(r.id),
      name: r.name,
      latitude: r.latitude,
      longitude: r.longitude,
      country: r.country ?? null,
      countryCode: r.country_code ? r.country_code.toUpperCase() : null,
      admin1: r.admin1 ?? null,
      timezone: r.timezone ?? null,
      population: r.population ?? null,
      featureCode: r.feature_code ?? null,
    }),
  );

/**
 * Best result for the query: only results in the requested country qualify (London, Ontario is no
 * answer for London, England), then a matching region, then an exact name, then the largest population.
 */
export function bestGeocodingMatch(raw: unknown, query: GeocodeQuery): GeocodeOutcome {
  const results = prop(raw, 'results');
  // Open-Meteo omits `results` entirely when nothing matches.
  if (results === undefined) return { match: null, reason: `no geocoding result for "${query.city}"`, quarantined: [] };
  if (!Array.isArray(results)) {
    return {
      match: null,
      reason: 'geocoding response is malformed',
      quarantined: [{ source: GEOCODING_SOURCE, recordKey: query.city, raw, error: 'results: expected an array' }],
    };
  }
  const { records, quarantined } = validateRecords(GEOCODING_SOURCE, results, resultSchema, (r) => keyString(prop(r, 'id')));
  const { name, region } = geocodingSearch(query.city);
  const wantedName = foldText(name);
  const wantedRegion = region ? foldText(region) : null;
  const wantedCountry = query.country ? query.country.trim() : null;
  const wantedCode = wantedCountry ? countryCodeFor(wantedCountry) : null;

  const inCountry = (p: GeocodedPlace) =>
    wantedCountry === null ||
    (wantedCode !== null ? p.countryCode === wantedCode : foldText(p.country ?? '') === foldText(wantedCountry));
  const candidates = records.filter(inCountry);
  if (candidates.length === 0) {
    const reason =
      records.length === 0
        ? `no valid geocoding result for "${query.city}"`
        : `${records.length} result(s) for "${query.city}", none in ${wantedCode ?? wantedCountry}`;
    return { match: null, reason, quarantined };
  }
  const score = (p: GeocodedPlace): number[] => [
    wantedRegion !== null && foldText(p.admin1 ?? '') === wantedRegion ? 1 : 0,
    foldText(p.name) === wantedName ? 1 : 0,
    p.population ?? 0,
  ];
  const best = candidates
    .map((p, index) => ({ p, s: score(p), index }))
    .sort((a, b) => {
      for (let i = 0; i < a.s.length; i += 1) {
        const diff = (b.s[i] ?? 0) - (a.s[i] ?? 0);
        if (diff !== 0) return diff;
      }
      return a.index - b.index; // Open-Meteo's own ranking breaks ties
    })[0];
  return { match: best?.p ?? null, reason: best ? null : 'no candidate', quarantined };
}
