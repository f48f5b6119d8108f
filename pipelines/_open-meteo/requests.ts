// The Open-Meteo requests the weather pipelines make, with the recorded file names that answer them in
// replay mode (the layout of test/fixtures/weather/).
import { foldText } from '../_news/text.js';
import type { FetchRequest } from '../_feeds/source.js';
import { geocodingSearch } from './geocoding.js';
import type { WeatherSource } from './transform.js';
import { DAY_MS, isoDate } from '../../src/time.js';

/** What we ask the forecast endpoint for (the archive has no precipitation probability). */
export const FORECAST_HOURLY = [
  'temperature_2m', 'precipitation', 'precipitation_probability', 'wind_speed_10m', 'wind_gusts_10m', 'relative_humidity_2m', 'weather_code',
] as const;
export const ARCHIVE_HOURLY = FORECAST_HOURLY.filter((v) => v !== 'precipitation_probability');

/** The archive (ERA5) lags real time by about five days; more recent days come from the forecast API. */
export const ARCHIVE_LAG_MS = 5 * DAY_MS;
/** The forecast API answers at most 16 days ahead. */
export const FORECAST_HORIZON_MS = 16 * DAY_MS;

/** ~11 m: finer than any grid cell, and stable in the request key whatever float noise the column has. */
const coord = (v: number) => Number(v.toFixed(4));

/**
 * Hourly weather around one match's kickoff. Keyed per match and coordinates: two matches never share a
 * cursor (the second would look "unchanged" and get no row), and moved coordinates fetch again.
 * `timezone=GMT` keeps `hourly.time` in UTC, which is exact across DST changes.
 */
export function weatherRequest(source: WeatherSource, matchId: number, latitude: number, longitude: number, kickoff: Date): FetchRequest {
  const lat = coord(latitude);
  const lon = coord(longitude);
  const day = isoDate(kickoff);
  return {
    key: `${source}:match:${matchId}:${lat},${lon}:${day}`,
    path: source === 'forecast' ? '/v1/forecast' : '/v1/archive',
    query: {
      latitude: lat,
      longitude: lon,
      hourly: (source === 'forecast' ? FORECAST_HOURLY : ARCHIVE_HOURLY).join(','),
      timezone: 'GMT',
      start_date: day,
      end_date: day,
    },
    replay: [`weather/open-meteo-${source}-`],
  };
}

/** The quarantine key of a venue geocoding could not resolve (source 'open-meteo.geocoding'). */
export const venueQuarantineKey = (venueId: number) => `venue:${venueId}`;

/** Geocoding by the venue's city (the part before a comma: "Arlington, Texas" searches "Arlington"). */
export function geocodingRequest(city: string, country: string | null): FetchRequest {
  const { name } = geocodingSearch(city);
  const slug = foldText(name).replace(/ /g, '-');
  return {
    key: `geocode:${foldText(city)}|${country ? foldText(country) : ''}`,
    path: '/v1/search',
    query: { name, count: 10, language: 'en', format: 'json' },
    replay: [`weather/open-meteo-geocoding-${slug}`, `weather/handmade-geocoding-${slug}`],
  };
}
