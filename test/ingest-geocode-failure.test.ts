// A venue whose geocoding fails for good: the weather job waiting for it says so (reason and manual fix)
// instead of retrying into the dead letters, and a later weather job starts a new geocoding. Real engine,
// Redis and PostgreSQL; a local server stands in for Open-Meteo.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { ingestVenueGeocode } from '../queues/ingest-venue-geocode.js';
import { queues } from '../queues/index.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/weather/${name}`, import.meta.url), 'utf8');

// Geocoding gives up after two attempts here, so that it fails for good within the test.
const fastRetry = { attempts: 2, delayMs: 100, maxDelayMs: 200 };

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
const om = new FakeUpstream();
const prefix = uniquePrefix();
let venueId = 0;
let matchId = 0;

beforeAll(async () => {
  db = await cloneTestDatabase();
  const url = await om.start();
  om.route('/v1/search', { body: fixture('handmade-geocoding-london.json') });
  om.route('/v1/forecast', { body: fixture('open-meteo-forecast-hourly-melbourne-gmt.json') });
  engine = await startTestEngine({
    databaseUrl: db.url, prefix, extendDeps: createPipelineDeps,
    queues: queues.map((q) => (q.name === ingestVenueGeocode.name ? { ...q, retry: fastRetry } : q)),
    env: {
      OPEN_METEO_FORECAST_URL: url, OPEN_METEO_ARCHIVE_URL: url, OPEN_METEO_GEOCODING_URL: url,
      WORKER_QUEUES: 'ingest-venue-geocode,ingest-weather-match', SCHEDULES_ENABLED: 'false', RATE_LIMITS_ENABLED: 'false',
    },
  });
  const comp = await engine.db.competition.create({ data: { provider: 'espn', providerId: '9002', slug: 'test.2', name: 'Test League' } });
  venueId = (await engine.db.venue.create({ data: { provider: 'espn', providerId: 'v-wembley', name: 'Wembley Stadium', city: 'London', country: 'England' } })).id;
  matchId = (await engine.db.match.create({ data: { provider: 'espn', providerId: 'm-1', competitionId: comp.id, venueId, kickoff: new Date('2025-05-10T09:30:00Z'), status: 'SCHEDULED' } })).id;
});
afterAll(async () => {
  await engine?.stop();
  await om.stop();
  await db?.drop();
});

async function jobIn(queue: string, id: string, state: string) {
  let last: unknown;
  return waitFor(async () => {
    const job = (await engine.request('GET', `/jobs/${queue}/${id}`)).body;
    last = job;
    return job.state === state && job;
  }, 15_000, `${queue} job ${id} to be ${state}`).catch((err) => {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(last).slice(0, 600)}`);
  });
}
async function weatherJob() {
  const { body, status } = await engine.request('POST', '/jobs/ingest-weather-match', { body: { matchId } });
  expect(status).toBe(202);
  return body.id as string;
}
const geocodeId = () => `geocode-venue-${venueId}`;
const wakeUp = async (id: string) => (await engine.producer.queue('ingest-weather-match').getJob(id))!.promote();

describe('a venue whose geocoding fails for good', () => {
  it('fails the weather job waiting for it, naming the reason and the manual fix, after one attempt', async () => {
    om.fail({ kind: 'status', status: 500 }, 100, '/v1/search');
    const id = await weatherJob();
    // Waiting for the geocoding spends no attempt.
    expect(await jobIn('ingest-weather-match', id, 'delayed')).toMatchObject({ attempts: 0, failedReason: null });
    const geo = await jobIn('ingest-venue-geocode', geocodeId(), 'failed');
    expect(geo.failedReason).toMatch(/HTTP 500/);
    await wakeUp(id);
    const failed = await jobIn('ingest-weather-match', id, 'failed');
    expect(failed.attempts).toBe(1);
    expect(failed.failedReason).toMatch(
      new RegExp(`venue ${venueId} \\(Wembley Stadium, London\\) could not be geocoded: ingest-venue-geocode job ${geocodeId()} failed for good \\(.*HTTP 500.*\\); set its coordinates with PUT /venues/${venueId}/coordinates`),
    );
    const dead = await engine.db.deadLetter.findFirstOrThrow({ where: { queue: 'ingest-weather-match', jobId: id } });
    expect(dead.error).toMatch(/failed for good .*PUT \/venues\//);
  });

  it('lets a later weather job start a new geocoding, and then fetch its weather', async () => {
    om.clearFaults();
    const id = await weatherJob();
    expect(await jobIn('ingest-weather-match', id, 'delayed')).toMatchObject({ attempts: 0 });
    // The failed job under the same id was replaced by a new one, which succeeds now.
    const geo = await jobIn('ingest-venue-geocode', geocodeId(), 'completed');
    expect(geo.result).toMatchObject({ outcome: 'geocoded', latitude: 51.50853 });
    await wakeUp(id);
    const done = await jobIn('ingest-weather-match', id, 'completed');
    expect(done.result).toMatchObject({ matchId, venueId, counts: { inserted: 1 } });
  });
});
