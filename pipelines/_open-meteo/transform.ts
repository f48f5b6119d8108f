// Open-Meteo hourly responses (forecast and archive) → the SI weather of the hour a match kicks off in.
import { z } from 'zod';
import { formatIssues, quarantineOne, type Quarantined, type TransformResult } from '../_feeds/transform.js';
import { converterFor, roundSi, type Quantity } from './units.js';
import { HOUR_MS } from '../../src/time.js';

export {
  bestGeocodingMatch,
  countryCodeFor,
  geocodingSearch,
  type GeocodedPlace,
  type GeocodeOutcome,
  type GeocodeQuery,
} from './geocoding.js';
export { converterFor, type Quantity } from './units.js';

export type WeatherSource = 'forecast' | 'archive';

export interface HourlyWeather {
  /** Start of the hour, UTC. */
  time: Date;
  temperatureC: number | null;
  precipitationMm: number | null;
  /** Forecast only: the archive has no probability, so it is null there. */
  precipitationProbabilityPct: number | null;
  windSpeedMs: number | null;
  windGustsMs: number | null;
  relativeHumidityPct: number | null;
  /** WMO weather interpretation code. */
  weatherCode: number | null;
}

export interface HourlySeries {
  source: WeatherSource;
  /** Grid cell Open-Meteo used, which is not exactly the coordinate asked for. */
  latitude: number;
  longitude: number;
  elevation: number | null;
  timezone: string | null;
  utcOffsetSeconds: number;
  hours: HourlyWeather[];
}

type Field = Exclude<keyof HourlyWeather, 'time'>;

/** Our field → Open-Meteo variable names (current spelling first, then the pre-2023 one) and quantity. */
const VARIABLES: Record<Field, { names: string[]; quantity: Quantity }> = {
  temperatureC: { names: ['temperature_2m'], quantity: 'temperature' },
  precipitationMm: { names: ['precipitation'], quantity: 'precipitation' },
  precipitationProbabilityPct: { names: ['precipitation_probability'], quantity: 'percent' },
  windSpeedMs: { names: ['wind_speed_10m', 'windspeed_10m'], quantity: 'speed' },
  windGustsMs: { names: ['wind_gusts_10m', 'windgusts_10m'], quantity: 'speed' },
  relativeHumidityPct: { names: ['relative_humidity_2m', 'relativehumidity_2m'], quantity: 'percent' },
  weatherCode: { names: ['weather_code', 'weathercode'], quantity: 'code' },
};

const responseSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
  elevation: z.number().nullish(),
  timezone: z.string().nullish(),
  utc_offset_seconds: z.number().int().default(0),
  hourly_units: z.record(z.string(), z.string()),
  hourly: z
    .object({ time: z.union([z.array(z.string()), z.array(z.number().int())]) })
    // Only the variables we read are checked (in toSeries): an odd extra one must not fail the response.
    .catchall(z.unknown()),
});
type Response = z.output<typeof responseSchema>;

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * `hourly.time` is local wall time without an offset (or UTC epoch seconds with `timeformat=unixtime`).
 * The response carries one `utc_offset_seconds` for its whole range, so a range that crosses a DST
 * change is only exact in GMT: the fetcher should keep Open-Meteo's default `timezone=GMT`.
 */
function slotStart(time: string | number, utcOffsetSeconds: number): number {
  if (typeof time === 'number') return time * 1000;
  const m = LOCAL_TIME.exec(time);
  if (m) {
    const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h, mi) - utcOffsetSeconds * 1000;
  }
  return Date.parse(time); // an explicit offset, if a proxy ever adds one
}

function toSeries(r: Response, source: WeatherSource, ctx: z.RefinementCtx): HourlySeries {
  const times = r.hourly.time;
  const columns = {} as Record<Field, (number | null)[] | null>;
  for (const [field, { names, quantity }] of Object.entries(VARIABLES) as [Field, (typeof VARIABLES)[Field]][]) {
    const name = names.find((n) => r.hourly[n] !== undefined);
    if (name === undefined) {
      columns[field] = null; // not requested, or not offered by this API (the archive has no probability)
      continue;
    }
    const values = r.hourly[name];
    if (!Array.isArray(values) || !values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v)))) {
      ctx.addIssue({ code: 'custom', path: ['hourly', name], message: 'expected an array of numbers or nulls' });
      continue;
    }
    const unit = r.hourly_units[name];
    const convert = unit === undefined ? null : converterFor(quantity, unit);
    if (convert === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['hourly_units', name],
        message: unit === undefined ? `no unit given for ${name}` : `unknown ${quantity} unit "${unit}" for ${name}`,
      });
      continue;
    }
    if (values.length !== times.length) {
      ctx.addIssue({ code: 'custom', path: ['hourly', name], message: `${values.length} values for ${times.length} times` });
      continue;
    }
    columns[field] = values.map((v) => (v === null ? null : quantity === 'code' ? v : roundSi(convert(v))));
  }
  const hours: HourlyWeather[] = [];
  times.forEach((time, i) => {
    const start = slotStart(time, r.utc_offset_seconds);
    if (Number.isNaN(start)) {
      ctx.addIssue({ code: 'custom', path: ['hourly', 'time', i], message: `not a time: "${time}"` });
      return;
    }
    const at = (field: Field) => columns[field]?.[i] ?? null;
    hours.push({
      time: new Date(start),
      temperatureC: at('temperatureC'),
      precipitationMm: at('precipitationMm'),
      precipitationProbabilityPct: at('precipitationProbabilityPct'),
      windSpeedMs: at('windSpeedMs'),
      windGustsMs: at('windGustsMs'),
      relativeHumidityPct: at('relativeHumidityPct'),
      weatherCode: at('weatherCode'),
    });
  });
  return {
    source,
    latitude: r.latitude,
    longitude: r.longitude,
    elevation: r.elevation ?? null,
    timezone: r.timezone ?? null,
    utcOffsetSeconds: r.utc_offset_seconds,
    hours,
  };
}

export type SeriesResult = { series: HourlySeries; error: null } | { series: null; error: string };

/** Validates and converts a whole response to SI. Any unknown unit fails it: a wrong unit is worse than none. */
export function parseOpenMeteoHourly(raw: unknown, source: WeatherSource): SeriesResult {
  const parsed = responseSchema.transform((r, ctx) => toSeries(r, source, ctx)).safeParse(raw);
  return parsed.success ? { series: parsed.data, error: null } : { series: null, error: formatIssues(parsed.error) };
}


export type KickoffPick = { weather: HourlyWeather; reason: null } | { weather: null; reason: string };

/** The hour slot containing the kickoff (kickoff floored to the slot's hour, in the response's own zone). */
export function weatherAtKickoff(series: HourlySeries, kickoff: Date): KickoffPick {
  const t = kickoff.getTime();
  if (Number.isNaN(t)) return { weather: null, reason: 'kickoff is not a valid date' };
  const slot = series.hours.find((h) => h.time.getTime() <= t && t < h.time.getTime() + HOUR_MS);
  if (slot) return { weather: slot, reason: null };
  const first = series.hours[0];
  const last = series.hours[series.hours.length - 1];
  const range =
    first && last ? `${first.time.toISOString()} – ${new Date(last.time.getTime() + HOUR_MS).toISOString()}` : 'an empty range';
  return { weather: null, reason: `kickoff ${kickoff.toISOString()} is outside the ${series.source} hours (${range})` };
}

export interface KickoffRequest {
  /** The caller's key for the match (e.g. its providerId), used as quarantine recordKey. */
  key: string;
  kickoff: Date;
}

export interface KickoffWeatherRecord {
  key: string;
  kickoff: Date;
  source: WeatherSource;
  latitude: number;
  longitude: number;
  /** null when the kickoff hour is not in the response; `reason` says why. */
  weather: HourlyWeather | null;
  reason: string | null;
}

/**
 * One response, the matches played under it → one record per match. A response that fails validation
 * (unknown unit, ragged arrays) quarantines every match that depended on it, each under its own key.
 */
export function transformWeather(
  raw: unknown,
  source: WeatherSource,
  kickoffs: readonly KickoffRequest[],
): TransformResult<KickoffWeatherRecord> {
  const parsed = parseOpenMeteoHourly(raw, source);
  if (parsed.series === null) {
    const quarantined: Quarantined[] = kickoffs.map((k) => quarantineOne(`open-meteo.${source}`, k.key, raw, parsed.error));
    return { records: [], quarantined };
  }
  const series = parsed.series;
  return {
    records: kickoffs.map((k) => {
      const pick = weatherAtKickoff(series, k.kickoff);
      return {
        key: k.key,
        kickoff: k.kickoff,
        source,
        latitude: series.latitude,
        longitude: series.longitude,
        weather: pick.weather,
        reason: pick.reason,
      };
    }),
    quarantined: [],
  };
}
