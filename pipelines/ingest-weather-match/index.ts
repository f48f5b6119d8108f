// Weather at one match's kick-off hour, from Open-Meteo at the venue's coordinates, stored in SI units
// with the fetch time as `issuedAt` (the newest row of a match and source supersedes the earlier ones).
//
// - A venue without coordinates: its geocoding is enqueued (job id `geocode-venue-<id>`, so many matches
//   at one venue make one job) and this job is sent back for 30 s. A venue geocoding could not resolve
//   fails this job for good, saying how to set the coordinates by hand.
// - Finished matches older than the archive's lag (5 days) read the archive endpoint; everything else
//   the forecast endpoint (which also serves the last 92 days). Beyond the 16-day horizon nothing is asked.
// - The usual feed steps (runFeed): an unchanged response costs no writes. Open-Meteo stamps every
//   response with `generationtime_ms`, so that field is dropped before hashing, or nothing would ever
//   look unchanged.
import { ingestVenueGeocode } from '../../queues/ingest-venue-geocode.js';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError, RetryAfterError } from '../../src/queue/errors.js';
import { isFinished } from '../_espn/status.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { parseJson, runFeed } from '../_feeds/run-feed.js';
import type { FeedSource } from '../_feeds/source.js';
import { zeroCounts } from '../_feeds/store.js';
import { GEOCODING_SOURCE } from '../_open-meteo/geocoding.js';
import { storeWeather, type WeatherRow } from '../_open-meteo/load.js';
import { ARCHIVE_LAG_MS, FORECAST_HORIZON_MS, venueQuarantineKey, weatherRequest } from '../_open-meteo/requests.js';
import type { WeatherSource } from '../_open-meteo/transform.js';
import { matchWeather, weatherSourceName } from '../_open-meteo/match-weather.js';
import { quarantineOne } from '../_feeds/transform.js';

/** How long a match waits for its venue's geocoding before trying again. */
export const GEOCODE_WAIT_MS = 30_000;


/** Archive for matches played long enough ago for the archive to have them; forecast otherwise. */
export function chooseWeatherSource(status: Parameters<typeof isFinished>[0], kickoff: Date, now = Date.now()): WeatherSource {
  return isFinished(status) && kickoff.getTime() <= now - ARCHIVE_LAG_MS ? 'archive' : 'forecast';
}

export async function run(p: { matchId: number }, ctx: JobContext<IngestPipelineDeps>) {
  const { db } = ctx.deps;
  const counts = zeroCounts();
  const match = await db.match.findUnique({ where: { id: p.matchId }, include: { venue: true } });
  if (!match) throw new NonRetryableError(`no match with id ${p.matchId}`);
  const venue = match.venue;
  if (!venue) {
    ctx.log.warn({ matchId: match.id }, 'match has no venue: no weather');
    return { matchId: match.id, skipped: 'the match has no venue', counts };
  }
  if (venue.latitude === null || venue.longitude === null) await awaitGeocoding(venue, ctx);
  const [latitude, longitude] = [venue.latitude!, venue.longitude!];

  const source = chooseWeatherSource(match.status, match.kickoff);
  if (source === 'forecast' && match.kickoff.getTime() > Date.now() + FORECAST_HORIZON_MS) {
    return { matchId: match.id, skipped: 'kickoff is beyond the 16-day forecast horizon', counts };
  }
  const sourceName = weatherSourceName(source);
  const request = weatherRequest(source, match.id, latitude, longitude, match.kickoff);
  let issuedAt = new Date();
  const feed = withoutGenerationTime(sourceName, source === 'forecast' ? ctx.deps.openMeteo.forecast : ctx.deps.openMeteo.archive, (at) => (issuedAt = at));

  const out = await runFeed(
    {
      source: sourceName,
      feed,
      request,
      transform: (body) => matchWeather(sourceName, source, parseJson(sourceName, body), { id: match.id, kickoff: match.kickoff }, {
        matchId: match.id, venueId: venue.id, kickoff: match.kickoff.toISOString(), latitude, longitude, requestKey: request.key,
      }),
      load: async (records, c) => {
        const rows: WeatherRow[] = records.map((r) => ({ matchId: match.id, source, issuedAt, weather: r.weather }));
        await storeWeather(ctx.deps.sql, rows, c);
        return rows[0]?.weather ?? null;
      },
    },
    ctx,
  );
  return {
    matchId: match.id,
    venueId: venue.id,
    source,
    changed: out.changed,
    counts: out.counts,
    ...(out.loaded ? { issuedAt: issuedAt.toISOString(), forecastFor: out.loaded.time.toISOString() } : {}),
  };
}


/** Enqueues the venue's geocoding and sends the job back; throws in every case. */
async function awaitGeocoding(
  venue: { id: number; name: string; city: string | null; country: string | null },
  ctx: JobContext<IngestPipelineDeps>,
): Promise<never> {
  const q = await ctx.deps.db.quarantinedRecord.findUnique({
    where: { source_recordKey: { source: GEOCODING_SOURCE, recordKey: venueQuarantineKey(venue.id) } },
  });
  const tried = (q?.raw ?? null) as { query?: { city?: string | null; country?: string | null } } | null;
  // Geocoding already failed for the venue as it is now (a corrected city gets another try).
  if (q && tried?.query?.city === venue.city && tried.query?.country === venue.country) {
    throw new NonRetryableError(
      `venue ${venue.id} (${venue.name}, ${venue.city ?? 'no city'}) could not be geocoded: ${q.error}; ` +
        `set its coordinates with PUT /venues/${venue.id}/coordinates, then enqueue this match again`,
    );
  }
  const jobId = `geocode-venue-${venue.id}`;
  await ctx.deps.enqueue(ingestVenueGeocode, { venueId: venue.id }, { jobId });
  throw new RetryAfterError(
    `venue ${venue.id} (${venue.name}) has no coordinates yet: geocoding enqueued (${ingestVenueGeocode.name} job ${jobId}); retrying in ${GEOCODE_WAIT_MS / 1000} s`,
    GEOCODE_WAIT_MS,
  );
}

/**
 * Drops Open-Meteo's per-response `generationtime_ms` so equal weather hashes equal, and reports when
 * the fetch happened (the row's `issuedAt`). A body that is not JSON fails here (retryable, nothing stored).
 */
function withoutGenerationTime(source: string, feed: FeedSource, fetchedAt: (at: Date) => void): FeedSource {
  return {
    async fetch(req, cursor, signal) {
      const at = new Date();
      const res = await feed.fetch(req, cursor, signal);
      fetchedAt(at);
      if (res.notModified) return res;
      const json = parseJson(source, res.body);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return res;
      const { generationtime_ms: _volatile, ...stable } = json as Record<string, unknown>;
      return { ...res, body: Buffer.from(JSON.stringify(stable)) };
    },
  };
}
