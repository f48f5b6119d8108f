// Writes of the weather pipelines: kick-off weather rows (SI, one per match, source and issue time) and
// geocoded venue coordinates. Set-based SQL like the ESPN loader; timestamps are `timestamp(3)` without
// zone holding UTC, so they are passed as UTC wall time (`toISOString().slice(0, -1)`) with `::timestamp`.
import type { Db } from '../../src/db/client.js';
import type { IngestCounts } from '../_feeds/store.js';
import type { GeocodedPlace } from './geocoding.js';
import type { HourlyWeather, WeatherSource } from './transform.js';

const utc = (d: Date) => d.toISOString().slice(0, -1);

export interface WeatherRow {
  matchId: number;
  source: WeatherSource;
  /** When we fetched the forecast: the newest row of a (match, source) supersedes the earlier ones. */
  issuedAt: Date;
  weather: HourlyWeather;
}

const VALUES: Array<[column: string, type: string, get: (w: HourlyWeather) => number | null]> = [
  ['temperature_c', 'float8', (w) => w.temperatureC],
  ['precipitation_mm', 'float8', (w) => w.precipitationMm],
  ['precipitation_probability_pct', 'float8', (w) => w.precipitationProbabilityPct],
  ['wind_speed_ms', 'float8', (w) => w.windSpeedMs],
  ['wind_gusts_ms', 'float8', (w) => w.windGustsMs],
  ['relative_humidity_pct', 'float8', (w) => w.relativeHumidityPct],
  ['weather_code', 'int', (w) => w.weatherCode],
];

/**
 * Inserts one row per (match, source, issuedAt) in one statement. A row whose kick-off hour and values
 * equal the row it would supersede (the latest of its match and source issued before it) is not written:
 * the response changed elsewhere (other hours), not where the match is played. Comparing with the row
 * before it, not the newest, keeps a replay of the archive from re-creating rows the live fetch skipped.
 */
export async function storeWeather(db: Db, rows: readonly WeatherRow[], counts: IngestCounts): Promise<number> {
  if (!rows.length) return 0;
  const valueCols = VALUES.map(([c]) => c);
  const cols = ['match_id', 'source', 'issued_at', 'forecast_for', ...valueCols];
  const types = ['int', 'text', 'timestamp', 'timestamp', ...VALUES.map(([, t]) => t)];
  const params: unknown[][] = [
    rows.map((r) => r.matchId),
    rows.map((r) => r.source.toUpperCase()),
    rows.map((r) => utc(r.issuedAt)),
    rows.map((r) => utc(r.weather.time)),
    ...VALUES.map(([, , get]) => rows.map((r) => get(r.weather))),
  ];
  const compared = ['forecast_for', ...valueCols];
  const inserted = (await db.$queryRawUnsafe(
    `WITH t AS (
       SELECT t.match_id, t.source::"WeatherSource" AS source, ${cols.slice(2).map((c) => `t.${c}`).join(', ')}
       FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) AS t(${cols.join(', ')}))
     INSERT INTO weather_forecasts (${cols.join(', ')})
     SELECT ${cols.map((c) => `t.${c}`).join(', ')}
     FROM t LEFT JOIN LATERAL (
       SELECT w.* FROM weather_forecasts w
       WHERE w.match_id = t.match_id AND w.source = t.source AND w.issued_at < t.issued_at
       ORDER BY w.issued_at DESC LIMIT 1) l ON true
     WHERE l.id IS NULL OR (${compared.map((c) => `l.${c}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `t.${c}`).join(', ')})
     ON CONFLICT (match_id, source, issued_at) DO NOTHING
     RETURNING match_id`,
    ...params,
  )) as Array<{ match_id: number }>;
  counts.inserted += inserted.length;
  counts.unchanged += rows.length - inserted.length;
  return inserted.length;
}

/**
 * Caches a geocoding result on the venue. Never over manual coordinates, even if an operator set them
 * while the request was in flight: returns false then.
 */
export async function saveGeocodedCoordinates(db: Db, venueId: number, place: Pick<GeocodedPlace, 'latitude' | 'longitude' | 'timezone'>): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE venues
     SET latitude = $2, longitude = $3, timezone = $4, coordinates_source = 'GEOCODED', coordinates_at = $5::timestamp, updated_at = $5::timestamp
     WHERE id = $1 AND coordinates_source IS DISTINCT FROM 'MANUAL'`,
    venueId, place.latitude, place.longitude, place.timezone, utc(new Date()),
  );
  return n > 0;
}
