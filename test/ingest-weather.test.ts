// Venue geocoding and match weather end to end: a local server replays the recorded Open-Meteo payloads
// (and variants built from them in memory) to a real engine on real Redis and PostgreSQL.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { venueRoutes } from '../src/app/routes/venues.js';
import { queues } from '../queues/index.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/weather/${name}`, import.meta.url), 'utf8');
const FORECAST = fixture('open-meteo-forecast-hourly-melbourne-gmt.json');
const ARCHIVE = fixture('open-meteo-archive-hourly-adelaide-2025-01-10.json');
const GEOCODING: Record<string, string> = {
  London: fixture('handmade-geocoding-london.json'),
  Arlington: fixture('handmade-geocoding-arlington.json'),
};
const NO_RESULTS = fixture('handmade-geocoding-no-results.json');

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const om = new FakeUpstream();
const prefix = uniquePrefix();
let forecastBody = FORECAST;

const ids = { venue: {} as Record<string, number>, match: {} as Record<string, number> };

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await om.start();
  om.route('/v1/search', { body: (_req, u) => GEOCODING[u.searchParams.get('name') ?? ''] ?? NO_RESULTS });
  om.route('/v1/forecast', { body: () => forecastBody });
  om.route('/v1/archive', { body: ARCHIVE });
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, queues, extendDeps: createPipelineDeps, extraRoutes: [venueRoutes],
    env: {
      OPEN_METEO_FORECAST_URL: url, OPEN_METEO_ARCHIVE_URL: url, OPEN_METEO_GEOCODING_URL: url,
      WORKER_QUEUES: 'ingest-venue-geocode,ingest-weather-match,ingest-replay', SCHEDULES_ENABLED: 'false', RATE_LIMITS_ENABLED: 'false',
    },
  });
  const d = engine.db;
  const comp = await d.competition.create({ data: { provider: 'espn', providerId: '9001', slug: 'test.1', name: 'Test League' } });
  const venue = async (key: string, data: { name: string; city: string | null; country: string | null; latitude?: number; longitude?: number; manual?: boolean }) => {
    const { manual, ...rest } = data;
    const v = await d.venue.create({
      data: { provider: 'espn', providerId: `v-${key}`, ...rest, ...(manual ? { coordinatesSource: 'MANUAL', coordinatesAt: new Date() } : {}) },
    });
    ids.venue[key] = v.id;
  };
  await venue('wembley', { name: 'Wembley Stadium', city: 'London', country: 'England' });
  await venue('londonStadium', { name: 'London Stadium', city: 'london', country: 'England' });
  await venue('arlington', { name: 'AT&T Stadium', city: 'Arlington, Texas', country: 'USA' });
  await venue('atlantis', { name: 'Poseidon Park', city: 'Atlantis', country: 'Greece' });
  await venue('noCity', { name: 'Unknown Ground', city: null, country: null });
  await venue('mcg', { name: 'Melbourne Cricket Ground', city: 'Melbourne', country: 'Australia', latitude: -37.82, longitude: 144.983, manual: true });
  await venue('adelaide', { name: 'Adelaide Oval', city: 'Adelaide', country: 'Australia', latitude: -34.9156, longitude: 138.5961, manual: true });
  const match = async (key: string, venueKey: string, kickoff: string, status: 'SCHEDULED' | 'FULL_TIME' = 'SCHEDULED') => {
    const m = await d.match.create({ data: { provider: 'espn', providerId: `m-${key}`, competitionId: comp.id, venueId: ids.venue[venueKey]!, kickoff: new Date(kickoff), status } });
    ids.match[key] = m.id;
  };
  await match('melbourne', 'mcg', '2025-05-10T09:30:00Z');
  await match('adelaide', 'adelaide', '2025-01-10T09:00:00Z', 'FULL_TIME');
  await match('outOfRange', 'mcg', '2025-06-01T15:00:00Z');
  await match('wembley', 'wembley', '2025-05-11T14:00:00Z');
  await match('atlantis', 'atlantis', '2025-05-12T14:00:00Z');
});
afterAll(async () => {
  await engine?.stop();
  await om.stop();
  await db?.drop();
});

async function waitJob(queue: string, id: string, expectState = 'completed') {
  let last: { state?: string; failedReason?: string } = {};
  return waitFor(async () => {
    const job = (await engine.request('GET', `/jobs/${queue}/${id}`)).body;
    last = job;
    return job.state === expectState && job;
  }, 15_000, `${queue} job ${id} to be ${expectState}`).catch((err) => {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last).slice(0, 600)}`);
  });
}
async function runJob(queue: string, payload: object, expectState = 'completed') {
  const { body, status } = await engine.request('POST', `/jobs/${queue}`, { body: payload });
  expect(status).toBe(202);
  return waitJob(queue, body.id, expectState);
}
const geocode = (venue: string, extra: object = {}) => runJob('ingest-venue-geocode', { venueId: ids.venue[venue], ...extra });
const weather = (match: string, state = 'completed') => runJob('ingest-weather-match', { matchId: ids.match[match] }, state);
const venueRow = (key: string) => engine.db.venue.findUniqueOrThrow({ where: { id: ids.venue[key]! } });
const rows = (match: string) => engine.db.weatherForecast.findMany({ where: { matchId: ids.match[match]! }, orderBy: { issuedAt: 'asc' } });

describe('venue geocoding', () => {
  it('geocodes by city and country, caches the result on the venue, and asks only once', async () => {
    const job = await geocode('wembley');
    expect(job.result).toMatchObject({ outcome: 'geocoded', counts: { fetched: 1, updated: 1, quarantined: 0 } });
    const req = om.requests.find((r) => r.path.startsWith('/v1/search'))!;
    expect(Object.fromEntries(new URL(req.path, 'http://x').searchParams)).toEqual({ name: 'London', count: '10', language: 'en', format: 'json' });
    // London, England: not Ontario, not Ohio.
    expect(await venueRow('wembley')).toMatchObject({ latitude: 51.50853, longitude: -0.12574, timezone: 'Europe/London', coordinatesSource: 'GEOCODED' });
    expect((await venueRow('wembley')).coordinatesAt).toBeInstanceOf(Date);

    const seen = om.count('/v1/search');
    const again = await geocode('wembley');
    expect(again.result).toMatchObject({ outcome: 'cached', counts: { fetched: 0, updated: 0, unchanged: 1 } });
    // Another venue of the same city (case aside) reuses the answer: no request either.
    const sibling = await geocode('londonStadium');
    expect(sibling.result).toMatchObject({ outcome: 'reused', fromVenueId: ids.venue.wembley, counts: { fetched: 0, updated: 1 } });
    expect(await venueRow('londonStadium')).toMatchObject({ latitude: 51.50853, longitude: -0.12574, coordinatesSource: 'GEOCODED' });
    expect(om.count('/v1/search')).toBe(seen);
  });

  it('uses the region of an ESPN "City, State" to pick among same-named places', async () => {
    const job = await geocode('arlington');
    expect(job.result).toMatchObject({ outcome: 'geocoded', timezone: 'America/Chicago' });
    expect(await venueRow('arlington')).toMatchObject({ latitude: 32.73569, longitude: -97.10807 });
  });

  it('records a venue with no result in quarantine and completes with a count', async () => {
    const job = await geocode('atlantis');
    expect(job.result).toMatchObject({ outcome: 'not-found', counts: { fetched: 1, quarantined: 1 } });
    const q = await engine.db.quarantinedRecord.findUniqueOrThrow({ where: { source_recordKey: { source: 'open-meteo.geocoding', recordKey: `venue:${ids.venue.atlantis}` } } });
    expect(q.error).toMatch(/no geocoding result for "Atlantis"/);
    expect(q.raw).toMatchObject({ venueId: ids.venue.atlantis, query: { city: 'Atlantis', country: 'Greece' } });
    expect((await venueRow('atlantis')).coordinatesSource).toBeNull();

    const noCity = await geocode('noCity');
    expect(noCity.result).toMatchObject({ outcome: 'not-found', reason: 'the venue has no city to geocode', counts: { fetched: 0, quarantined: 1 } });
  });

  it('never overwrites manual coordinates, not even when forced', async () => {
    const seen = om.count('/v1/search');
    const job = await geocode('mcg', { force: true });
    expect(job.result).toMatchObject({ outcome: 'manual', counts: { fetched: 0, unchanged: 1 } });
    expect(await venueRow('mcg')).toMatchObject({ latitude: -37.82, longitude: 144.983, coordinatesSource: 'MANUAL' });
    expect(om.count('/v1/search')).toBe(seen);
  });
});

describe('PUT /venues/:id/coordinates', () => {
  it('validates the id and the body, naming the fields', async () => {
    const bad = await engine.request('PUT', `/venues/${ids.venue.arlington}/coordinates`, { body: { latitude: 91, longitude: 'east' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['latitude', 'longitude']);
    expect(bad.body.error).toMatch(/^invalid coordinates: /);
    const missing = await engine.request('PUT', `/venues/${ids.venue.arlington}/coordinates`, { body: { latitude: 10 } });
    expect(missing.status).toBe(400);
    expect(missing.body.details).toEqual([expect.objectContaining({ field: 'longitude' })]);
    const tz = await engine.request('PUT', `/venues/${ids.venue.arlington}/coordinates`, { body: { latitude: 10, longitude: 10, timezone: 'Mars/Olympus' } });
    expect(tz.status).toBe(400);
    expect(tz.body.details).toEqual([expect.objectContaining({ field: 'timezone' })]);
    const id = await engine.request('PUT', '/venues/abc/coordinates', { body: { latitude: 10, longitude: 10 } });
    expect(id.status).toBe(400);
    expect(id.body.details).toEqual([expect.objectContaining({ field: 'id' })]);
    expect((await engine.request('PUT', '/venues/999999/coordinates', { body: { latitude: 10, longitude: 10 } })).status).toBe(404);
    expect((await engine.request('PUT', `/venues/${ids.venue.arlington}/coordinates`, { body: { latitude: 10, longitude: 10 }, auth: false })).status).toBe(401);
    expect((await venueRow('arlington')).coordinatesSource).toBe('GEOCODED');
  });

  it('sets manual coordinates, which geocoding then leaves alone', async () => {
    const res = await engine.request('PUT', `/venues/${ids.venue.arlington}/coordinates`, { body: { latitude: 32.7473, longitude: -97.0945, timezone: 'America/Chicago' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ids.venue.arlington, latitude: 32.7473, longitude: -97.0945, timezone: 'America/Chicago', coordinatesSource: 'MANUAL' });
    const job = await geocode('arlington', { force: true });
    expect(job.result.outcome).toBe('manual');
    expect(await venueRow('arlington')).toMatchObject({ latitude: 32.7473, longitude: -97.0945, coordinatesSource: 'MANUAL' });
  });
});

describe('match weather', () => {
  it('stores the forecast of the kick-off hour in SI units, and records the run', async () => {
    const job = await weather('melbourne');
    expect(job.result).toMatchObject({ source: 'forecast', changed: true, forecastFor: '2025-05-10T09:00:00.000Z', counts: { fetched: 1, inserted: 1, quarantined: 0 } });
    const req = om.requests.filter((r) => r.path.startsWith('/v1/forecast')).at(-1)!;
    expect(Object.fromEntries(new URL(req.path, 'http://x').searchParams)).toEqual({
      latitude: '-37.82', longitude: '144.983', timezone: 'GMT', start_date: '2025-05-10', end_date: '2025-05-10',
      hourly: 'temperature_2m,precipitation,precipitation_probability,wind_speed_10m,wind_gusts_10m,relative_humidity_2m,weather_code',
    });
    const [row, ...more] = await rows('melbourne');
    expect(more).toEqual([]);
    // The fixture's 09:00 GMT hour: 15.9 °C, 0 mm (0 %), wind 4.8 km/h gusting 12.6 km/h, 71 %; no weather code asked for.
    expect(row).toMatchObject({
      source: 'FORECAST', temperatureC: 15.9, precipitationMm: 0, precipitationProbabilityPct: 0,
      windSpeedMs: 1.33, windGustsMs: 3.5, relativeHumidityPct: 71, weatherCode: null,
    });
    expect(row!.forecastFor.toISOString()).toBe('2025-05-10T09:00:00.000Z');
    expect(Math.abs(row!.issuedAt.getTime() - Date.now())).toBeLessThan(30_000);
    const run = await engine.db.pipelineRun.findFirstOrThrow({ where: { queue: 'ingest-weather-match', jobId: job.id } });
    expect(run.counts).toMatchObject({ fetched: 1, inserted: 1 });
  });

  it('writes nothing for an unchanged response, nor for one changed only outside the kick-off hour', async () => {
    const payloads = await engine.db.rawPayload.count();
    // Open-Meteo's generation time differs on every answer: it does not make the weather new.
    forecastBody = JSON.stringify({ ...JSON.parse(FORECAST), generationtime_ms: 0.5 });
    const same = await weather('melbourne');
    expect(same.result).toMatchObject({ changed: false, counts: { fetched: 1, inserted: 0, unchanged: 0 } });
    expect(await engine.db.rawPayload.count()).toBe(payloads);

    const other = JSON.parse(FORECAST);
    other.hourly.temperature_2m[0] = 1.5; // midnight, not the kick-off hour
    forecastBody = JSON.stringify(other);
    const elsewhere = await weather('melbourne');
    expect(elsewhere.result).toMatchObject({ changed: true, counts: { inserted: 0, unchanged: 1 } });
    expect(await rows('melbourne')).toHaveLength(1);
  });

  it('supersedes an earlier forecast with a later one, converting whatever units the response uses', async () => {
    // Variant: the same response re-expressed in °F, with the kick-off hour now 68 °F (20 °C).
    const f = JSON.parse(FORECAST);
    f.hourly_units.temperature_2m = '°F';
    f.hourly.temperature_2m = f.hourly.temperature_2m.map((c: number) => Math.round((c * 9) / 5 + 32));
    f.hourly.temperature_2m[33] = 68;
    forecastBody = JSON.stringify(f);
    const job = await weather('melbourne');
    expect(job.result.counts).toMatchObject({ inserted: 1 });
    const all = await rows('melbourne');
    expect(all).toHaveLength(2);
    expect(all[1]!.issuedAt.getTime()).toBeGreaterThan(all[0]!.issuedAt.getTime());
    expect(all.map((r) => r.temperatureC)).toEqual([15.9, 20]);
    forecastBody = FORECAST;
  });

  it('reads the archive for a finished match in the past', async () => {
    const job = await weather('adelaide');
    expect(job.result).toMatchObject({ source: 'archive', counts: { inserted: 1 } });
    const req = om.requests.filter((r) => r.path.startsWith('/v1/archive')).at(-1)!;
    const q = new URL(req.path, 'http://x').searchParams;
    expect(q.get('hourly')).toBe('temperature_2m,precipitation,wind_speed_10m,wind_gusts_10m,relative_humidity_2m,weather_code');
    expect([q.get('start_date'), q.get('end_date'), q.get('timezone')]).toEqual(['2025-01-10', '2025-01-10', 'GMT']);
    // The recorded answer is in local time (+09:30): 09:00Z falls in the 18:00 local slot (08:30Z).
    const [row] = await rows('adelaide');
    expect(row).toMatchObject({ source: 'ARCHIVE', temperatureC: 30.4, windSpeedMs: 2.83, relativeHumidityPct: 37, precipitationMm: 0, precipitationProbabilityPct: null });
    expect(row!.forecastFor.toISOString()).toBe('2025-01-10T08:30:00.000Z');
  });

  it('quarantines a match whose kick-off hour is not in the response', async () => {
    const job = await weather('outOfRange');
    expect(job.result.counts).toMatchObject({ fetched: 1, inserted: 0, quarantined: 1 });
    const q = await engine.db.quarantinedRecord.findUniqueOrThrow({ where: { source_recordKey: { source: 'open-meteo.forecast', recordKey: `match:${ids.match.outOfRange}` } } });
    expect(q.error).toMatch(/kickoff 2025-06-01T15:00:00.000Z is outside the forecast hours/);
    expect(await rows('outOfRange')).toEqual([]);
  });

  it('has a venue without coordinates geocoded first, then fetches', async () => {
    await engine.db.venue.update({ where: { id: ids.venue.wembley! }, data: { latitude: null, longitude: null, coordinatesSource: null } });
    const waiting = await weather('wembley', 'delayed');
    expect(waiting).toMatchObject({ attempts: 0, failedReason: null }); // waiting is no failed attempt
    const geo = await waitJob('ingest-venue-geocode', `geocode-venue-${ids.venue.wembley}`);
    expect(geo.result.outcome).toBe('reused'); // London Stadium, same city, was geocoded meanwhile
    await (await engine.producer.queue('ingest-weather-match').getJob(waiting.id))!.promote();
    const done = await waitJob('ingest-weather-match', waiting.id);
    expect(done.result.counts).toMatchObject({ inserted: 1 });
    const req = om.requests.filter((r) => r.path.startsWith('/v1/forecast')).at(-1)!;
    expect(req.path).toContain('latitude=51.5085&longitude=-0.1257');
  });

  it('fails for good, saying what to do, when the venue cannot be geocoded', async () => {
    const job = await weather('atlantis', 'failed');
    expect(job.failedReason).toMatch(/could not be geocoded: no geocoding result for "Atlantis".*PUT \/venues\/\d+\/coordinates/);
    expect(job.attempts).toBe(1);
  });
});

describe('weather replay', () => {
  it('rebuilds the forecast history from the archive with no network, each row as issued at its fetch', async () => {
    const before = (await rows('melbourne')).concat(await rows('adelaide'));
    expect(before).toHaveLength(3); // two Melbourne forecasts, one Adelaide archive row
    // Replayed over the rows the live fetches wrote, the archive finds each of them: same issue time, to
    // the millisecond, as the fetch time the archive recorded.
    const over = await runJob('ingest-replay', { source: 'open-meteo.forecast' });
    expect(over.result.counts.inserted).toBe(0);
    expect((await rows('melbourne')).concat(await rows('adelaide'))).toHaveLength(3);
    await engine.db.weatherForecast.deleteMany({ where: { matchId: { in: [ids.match.melbourne!, ids.match.adelaide!] } } });
    const requests = om.requests.length;
    const forecast = await runJob('ingest-replay', { source: 'open-meteo.forecast' });
    const archive = await runJob('ingest-replay', { source: 'open-meteo.archive' });
    expect(om.requests.length).toBe(requests);
    // Every archived forecast payload is replayed; the one for a match whose hour is missing is quarantined again.
    expect(forecast.result.counts.quarantined).toBeGreaterThanOrEqual(1);
    expect(archive.result).toMatchObject({ payloads: 1, counts: { inserted: 1 } });
    const after = (await rows('melbourne')).concat(await rows('adelaide'));
    const shape = (r: (typeof after)[number]) => ({ matchId: r.matchId, source: r.source, issuedAt: r.issuedAt.toISOString(), forecastFor: r.forecastFor.toISOString(), temperatureC: r.temperatureC, windSpeedMs: r.windSpeedMs });
    expect(after.map(shape)).toEqual(before.map(shape));
    // Replaying again writes nothing: the rows are there.
    const again = await runJob('ingest-replay', { source: 'open-meteo.forecast' });
    expect(again.result.counts.inserted).toBe(0);
    expect((await rows('melbourne')).length).toBe(2);
  });
});
