import { describe, expect, it } from 'vitest';
import {
  converterFor,
  parseOpenMeteoHourly,
  transformWeather,
  weatherAtKickoff,
  type HourlySeries,
} from '../../../pipelines/_open-meteo/transform.js';
import { ARCHIVE_ADELAIDE, fixtureJson, FORECAST_MELBOURNE } from './fixtures.js';

function series(raw: unknown, source: 'forecast' | 'archive'): HourlySeries {
  const parsed = parseOpenMeteoHourly(raw, source);
  if (parsed.series === null) throw new Error(parsed.error);
  return parsed.series;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The real forecast re-expressed as if requested with °F, mph and inch (Open-Meteo's own rounding). */
function imperialForecast() {
  const raw = fixtureJson(FORECAST_MELBOURNE);
  const h = raw.hourly;
  h.temperature_2m = h.temperature_2m.map((c: number) => round((c * 9) / 5 + 32, 1));
  h.wind_speed_10m = h.wind_speed_10m.map((kmh: number) => round(kmh / 1.609344, 1));
  h.wind_gusts_10m = h.wind_gusts_10m.map((kmh: number) => round(kmh / 1.609344, 1));
  h.precipitation = h.precipitation.map((mm: number) => round(mm / 25.4, 3));
  Object.assign(raw.hourly_units, { temperature_2m: '°F', wind_speed_10m: 'mp/h', wind_gusts_10m: 'mp/h', precipitation: 'inch' });
  return raw;
}

describe('Open-Meteo forecast (Melbourne, GMT, wind in km/h)', () => {
  it('picks the hour containing the kickoff and converts wind to m/s', () => {
    // 09:45Z falls in the 09:00 slot (index 33 of hourly.time: "2025-05-10T09:00").
    const { records, quarantined } = transformWeather(fixtureJson(FORECAST_MELBOURNE), 'forecast', [
      { key: 'match-1', kickoff: new Date('2025-05-10T09:45:00Z') },
    ]);
    expect(quarantined).toEqual([]);
    expect(records).toEqual([
      {
        key: 'match-1',
        kickoff: new Date('2025-05-10T09:45:00Z'),
        source: 'forecast',
        latitude: -37.75,
        longitude: 144.875,
        reason: null,
        weather: {
          time: new Date('2025-05-10T09:00:00Z'),
          temperatureC: 15.9,
          precipitationMm: 0,
          precipitationProbabilityPct: 0,
          windSpeedMs: 1.33, // 4.8 km/h
          windGustsMs: 3.5, // 12.6 km/h
          relativeHumidityPct: 71,
          weatherCode: null, // not requested in this capture
        },
      },
    ]);
  });

  it('a kickoff exactly on the hour belongs to that hour; the last hour ends the range', () => {
    const s = series(fixtureJson(FORECAST_MELBOURNE), 'forecast');
    expect(s.hours).toHaveLength(168);
    expect(weatherAtKickoff(s, new Date('2025-05-14T10:00:00Z')).weather).toMatchObject({
      time: new Date('2025-05-14T10:00:00Z'),
      precipitationMm: 0.1,
      precipitationProbabilityPct: 5,
      windSpeedMs: 1.81, // 6.5 km/h
    });
    expect(weatherAtKickoff(s, new Date('2025-05-15T23:59:59Z')).weather?.time).toEqual(new Date('2025-05-15T23:00:00Z'));
    expect(weatherAtKickoff(s, new Date('2025-05-16T00:00:00Z'))).toEqual({
      weather: null,
      reason: 'kickoff 2025-05-16T00:00:00.000Z is outside the forecast hours (2025-05-09T00:00:00.000Z – 2025-05-16T00:00:00.000Z)',
    });
    expect(weatherAtKickoff(s, new Date('2025-05-08T23:59:59Z')).weather).toBeNull();
  });

  it('derived: the same forecast in °F, mph and inch normalises back to the SI values', () => {
    const si = series(fixtureJson(FORECAST_MELBOURNE), 'forecast');
    const imperial = series(imperialForecast(), 'forecast');
    expect(imperial.hours).toHaveLength(si.hours.length);
    si.hours.forEach((h, i) => {
      const other = imperial.hours[i]!;
      expect(other.time).toEqual(h.time);
      expect(other.temperatureC).toBeCloseTo(h.temperatureC!, 1);
      expect(other.windSpeedMs).toBeCloseTo(h.windSpeedMs!, 1);
      expect(other.windGustsMs).toBeCloseTo(h.windGustsMs!, 1);
      expect(other.precipitationMm).toBeCloseTo(h.precipitationMm!, 1);
      expect(other.relativeHumidityPct).toBe(h.relativeHumidityPct);
    });
    // 14.5 °C was sent as 58.1 °F, 0.1 mm as 0.004 inch, 6.5 km/h as 4.0 mp/h
    expect(imperial.hours[130]).toMatchObject({ temperatureC: 14.5, precipitationMm: 0.1, windSpeedMs: 1.79 });
  });

  it('derived: wind in knots is converted too', () => {
    const raw = fixtureJson(FORECAST_MELBOURNE);
    raw.hourly.wind_speed_10m = raw.hourly.wind_speed_10m.map(() => 10);
    raw.hourly_units.wind_speed_10m = 'kn';
    expect(series(raw, 'forecast').hours[0]!.windSpeedMs).toBe(5.14);
  });

  it('derived: an unknown unit quarantines every kickoff that depended on the response', () => {
    const raw = fixtureJson(FORECAST_MELBOURNE);
    raw.hourly_units.wind_speed_10m = 'furlong/fortnight';
    const kickoffs = [
      { key: 'm1', kickoff: new Date('2025-05-10T09:45:00Z') },
      { key: 'm2', kickoff: new Date('2025-05-11T09:45:00Z') },
    ];
    const { records, quarantined } = transformWeather(raw, 'forecast', kickoffs);
    expect(records).toEqual([]);
    expect(quarantined.map((q) => [q.source, q.recordKey])).toEqual([
      ['open-meteo.forecast', 'm1'],
      ['open-meteo.forecast', 'm2'],
    ]);
    expect(quarantined[0]!.error).toBe('hourly_units.wind_speed_10m: unknown speed unit "furlong/fortnight" for wind_speed_10m');
  });

  it('derived: a missing unit, ragged arrays and a string in the data are errors', () => {
    const noUnit = fixtureJson(FORECAST_MELBOURNE);
    delete noUnit.hourly_units.temperature_2m;
    expect(parseOpenMeteoHourly(noUnit, 'forecast').error).toBe('hourly_units.temperature_2m: no unit given for temperature_2m');
    const ragged = fixtureJson(FORECAST_MELBOURNE);
    ragged.hourly.precipitation.pop();
    expect(parseOpenMeteoHourly(ragged, 'forecast').error).toBe('hourly.precipitation: 167 values for 168 times');
    const text = fixtureJson(FORECAST_MELBOURNE);
    text.hourly.relative_humidity_2m[5] = '71';
    expect(parseOpenMeteoHourly(text, 'forecast').error).toBe('hourly.relative_humidity_2m: expected an array of numbers or nulls');
  });

  it('derived: null values in the arrays (beyond the model horizon) stay null', () => {
    const raw = fixtureJson(FORECAST_MELBOURNE);
    raw.hourly.temperature_2m[33] = null;
    raw.hourly.wind_speed_10m[33] = null;
    expect(series(raw, 'forecast').hours[33]).toMatchObject({ temperatureC: null, windSpeedMs: null, relativeHumidityPct: 71 });
  });
});

describe('Open-Meteo archive (Adelaide, local times at +09:30, wind in m/s)', () => {
  it('converts local times to UTC with utc_offset_seconds and has no precipitation probability', () => {
    const s = series(fixtureJson(ARCHIVE_ADELAIDE), 'archive');
    expect(s).toMatchObject({ source: 'archive', timezone: 'Australia/Adelaide', utcOffsetSeconds: 34200, elevation: 12 });
    expect(s.hours).toHaveLength(72);
    // "2025-01-10T00:00" local is 14:30 UTC the day before
    expect(s.hours[0]).toEqual({
      time: new Date('2025-01-09T14:30:00Z'),
      temperatureC: 20.3,
      precipitationMm: 0,
      precipitationProbabilityPct: null,
      windSpeedMs: 1.27,
      windGustsMs: null,
      relativeHumidityPct: 33,
      weatherCode: null,
    });
  });

  it('the kickoff hour is the local hour: 09:45Z is 19:15 local, slot "2025-01-10T19:00"', () => {
    const { records } = transformWeather(fixtureJson(ARCHIVE_ADELAIDE), 'archive', [
      { key: 'a', kickoff: new Date('2025-01-10T09:45:00Z') },
      { key: 'before', kickoff: new Date('2025-01-09T14:29:59Z') },
    ]);
    expect(records[0]!.weather).toMatchObject({
      time: new Date('2025-01-10T09:30:00Z'),
      temperatureC: 28.8,
      windSpeedMs: 2.51,
      relativeHumidityPct: 36,
      precipitationProbabilityPct: null,
    });
    expect(records[1]).toMatchObject({
      weather: null,
      reason: 'kickoff 2025-01-09T14:29:59.000Z is outside the archive hours (2025-01-09T14:30:00.000Z – 2025-01-12T14:30:00.000Z)',
    });
  });

  it('derived: the same archive with timeformat=unixtime gives the same hours', () => {
    const iso = series(fixtureJson(ARCHIVE_ADELAIDE), 'archive');
    const raw = fixtureJson(ARCHIVE_ADELAIDE);
    raw.hourly_units.time = 'unixtime';
    raw.hourly.time = iso.hours.map((h) => h.time.getTime() / 1000);
    expect(series(raw, 'archive').hours).toEqual(iso.hours);
  });
});

describe('unit converters', () => {
  it.each([
    ['temperature', '°F', 50, 10],
    ['temperature', '°F', 32, 0],
    ['temperature', '°C', 21.5, 21.5],
    ['speed', 'km/h', 36, 10],
    ['speed', 'mp/h', 10, 4.4704],
    ['speed', 'mph', 10, 4.4704],
    ['speed', 'kn', 1, 0.5144444],
    ['speed', 'm/s', 3.4, 3.4],
    ['precipitation', 'inch', 1, 25.4],
    ['precipitation', 'mm', 2.2, 2.2],
    ['percent', '%', 55, 55],
  ] as const)('%s %s: %s → %s', (quantity, unit, input, expected) => {
    expect(converterFor(quantity, unit)?.(input)).toBeCloseTo(expected, 6);
  });

  it('returns null for units it does not know', () => {
    expect(converterFor('speed', 'beaufort')).toBeNull();
    expect(converterFor('temperature', '°R')).toBeNull();
    expect(converterFor('precipitation', 'ft')).toBeNull();
  });
});
