// Writes of the weather pipelines: kick-off weather rows (SI, one per match, source and issue time) and
// geocoded venue coordinates. Set-based SQL like the ESPN loader; timestamps are `timestamp(3)` without
// zone holding UTC, so they are passed as UTC wall time (`utc()`) with `::timestamp`.
import type { Executor } from '../../src/db/executor.js';
import { sql, type SqlType } from '../../src/db/sql.js';
import { utc } from '../../src/time.js';
import type { IngestCounts } from '../_feeds/store.js';
import type { GeocodedPlace } from './geocoding.js';
import type { HourlyWeather, WeatherSource } from './transform.js';

export interface WeatherRow {
  matchId: number;
  source: WeatherSource;
  /** When we fetched the forecast: the newest row of a (match, source) supersedes the earlier ones. */
  issuedAt: Date;
  weather: HourlyWeather;
}

const VALUES: Array<[column: string, type: SqlType, get: (w: HourlyWeather) => number | null]> = [
  ['temperature_c', 'float8', (w) => w.temperatureC],
  ['precipitation_mm', 'float8', (w) => w.precipitationMm],
  ['precipitation_probability_pct', 'float8', (w) => w.precipitationProbabilityPct],
  ['wind_speed_ms', 'float8', (w) => w.windSpeedMs],
  ['wind_gusts_ms', 'float8', (w) => w.windGustsMs],
  ['relative_humidity_pct', 'float8', (w) => w.relativeHumidityPct],
  ['weather_code', 'int', (w) => w.weatherCode],
];

// The columns of a weather row, and the SQL around the parameters, built once.
const COLUMNS: ReadonlyArray<readonly [string, SqlType]> = [['match_id', 'int'], ['source', 'text'], ['issued_at', 'timestamp'], ['forecast_for', 'timestamp'], ...VALUES.map(([c, t]) => [c, t] as const)];
const WEATHER = (() => {
  const names = COLUMNS.map(([c]) => c);
  const compared = names.slice(3); // forecast_for and the values
  return {
    list: sql.idents(names),
    rest: sql.idents(names.slice(2), sql`t`),
    source: sql.idents(names, sql`t`),
    stored: sql.idents(compared, sql`l`),
    incoming: sql.idents(compared, sql`t`),
  };
})();

/**
 * Inserts one row per (match, source, issuedAt) in one statement. A row whose kick-off hour and values
 * equal the row it would supersede (the latest of its match and source issued before it) is not written:
 * the response changed elsewhere (other hours), not where the match is played. Comparing with the row
 * before it, not the newest, keeps a replay of the archive from re-creating rows the live fetch skipped.
 */
export async function storeWeather(ex: Executor, rows: readonly WeatherRow[], counts: IngestCounts): Promise<number> {
  if (!rows.length) return 0;
  const params: unknown[][] = [
    rows.map((r) => r.matchId),
    rows.map((r) => r.source.toUpperCase()),
    rows.map((r) => utc(r.issuedAt)),
    rows.map((r) => utc(r.weather.time)),
    ...VALUES.map(([, , get]) => rows.map((r) => get(r.weather))),
  ];
  const inserted = await ex.query<{ match_id: number }>(sql`
    WITH t AS (
      SELECT t.match_id, t.source::"WeatherSource" AS source, ${WEATHER.rest}
      FROM ${sql.unnest(COLUMNS.map(([, type], i) => [params[i]!, type]))} AS t(${WEATHER.list}))
    INSERT INTO weather_forecasts (${WEATHER.list})
    SELECT ${WEATHER.source}
    FROM t LEFT JOIN LATERAL (
      SELECT w.* FROM weather_forecasts w
      WHERE w.match_id = t.match_id AND w.source = t.source AND w.issued_at < t.issued_at
      ORDER BY w.issued_at DESC LIMIT 1) l ON true
    WHERE l.id IS NULL OR (${WEATHER.stored}) IS DISTINCT FROM (${WEATHER.incoming})
    ON CONFLICT (match_id, source, issued_at) DO NOTHING
    RETURNING match_id`);
  counts.inserted += inserted.length;
  counts.unchanged += rows.length - inserted.length;
  return inserted.length;
}

/**
 * Caches a geocoding result on the venue. Never over manual coordinates, even if an operator set them
 * while the request was in flight: returns false then.
 */
export async function saveGeocodedCoordinates(ex: Executor, venueId: number, place: Pick<GeocodedPlace, 'latitude' | 'longitude' | 'timezone'>): Promise<boolean> {
  const now = utc(new Date());
  const n = await ex.execute(sql`
    UPDATE venues
    SET latitude = ${place.latitude}, longitude = ${place.longitude}, timezone = ${place.timezone},
      coordinates_source = 'GEOCODED', coordinates_at = ${now}::timestamp, updated_at = ${now}::timestamp
    WHERE id = ${venueId} AND coordinates_source IS DISTINCT FROM 'MANUAL'`);
  return n > 0;
}
