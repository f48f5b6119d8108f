// Weather at one match's kick-off hour, from Open-Meteo at the venue's coordinates, stored in SI units
// with the fetch time as `issuedAt` (the newest row of a match and source supersedes the earlier ones).
//
// - A venue without coordinates: its geocoding is enqueued (job id `geocode-venue-<id>`, so many matches
//   at one venue make one job) and this job waits for it, deferred 30 s at a time without spending
//   attempts. A venue geocoding could not resolve, or a geocoding that failed for good while this job
//   waited, fails this job for good, saying why and how to set the coordinates by hand; a weather job
//   enqueued after such a failure starts a new geocoding.
// - Finished matches older than the archive's lag (5 days) read the archive endpoint; everything else
//   the forecast endpoint (which also serves the last 92 days). Beyond the 16-day horizon nothing is asked.
// - The usual feed steps (runFeed): an unchanged response costs no writes. Open-Meteo stamps every
//   response with `generationtime_ms`, so that field is dropped before hashing, or nothing would ever
//   look unchanged.
import { ingestVenueGeocode } from '../../queues/ingest-venue-geocode.js';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
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

/** How long a match waits for its venue's geocoding before looking again. */
export const GEOCODE_WAIT_MS = 30_000;
/** A geocoding not finished after this long is stuck (no worker consumes its queue?): waiting counts as a failed attempt. */
const GEOCODE_STUCK_MS = 60 * 60_000;


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
  const feed = withoutGenerationTime(sourceName, source === 'forecast' ? ctx.deps.openMeteo.forecast : ctx.deps.openMeteo.archive);
  let issuedAt: Date | undefined;

  const out = await runFeed(
    {
      source: sourceName,
      feed,
      request,
      transform: (body) => matchWeather(sourceName, source, parseJson(sourceName, body), { id: match.id, kickoff: match.kickoff }, {
        matchId: match.id, venueId: venue.id, kickoff: match.kickoff.toISOString(), latitude, longitude, requestKey: request.key,
      }),
      // Issued at the fetch time the archive records for the payload, to the millisecond: a replay of the
      // archive then finds this very row instead of adding a near-duplicate.
      load: async (records, c, payload) => {
        issuedAt = payload.fetchedAt;
        const rows: WeatherRow[] = records.map((r) => ({ matchId: match.id, source, issuedAt: payload.fetchedAt, weather: r.weather }));
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
    ...(out.loaded && issuedAt ? { issuedAt: issuedAt.toISOString(), forecastFor: out.loaded.time.toISOString() } : {}),
  };
}


/** Waits for the venue's geocoding (enqueued when there is none to wait for); throws in every case. */
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
  const geo = await ctx.deps.findJob(ingestVenueGeocode, jobId);
  // A geocoding that failed for good after this job was enqueued is its answer (it waited for it, or ran
  // alongside). An older failure is no answer for a later run: that one tries again.
  if (geo?.state === 'failed' && (geo.finishedAt ?? 0) >= ctx.createdAt) {
    throw new NonRetryableError(
      `venue ${venue.id} (${venue.name}, ${venue.city ?? 'no city'}) could not be geocoded: ${ingestVenueGeocode.name} job ${jobId} failed for good ` +
        `(${geo.failedReason ?? 'no reason given'}); set its coordinates with PUT /venues/${venue.id}/coordinates, then enqueue this match again`,
    );
  }
  if (!geo || geo.state === 'failed' || geo.state === 'completed') {
    // None yet, or a finished one that left the venue without coordinates: a new geocoding, under the same id.
    await ctx.deps.enqueue(ingestVenueGeocode, { venueId: venue.id }, { jobId, replaceFinished: true });
  } else if (Date.now() - geo.createdAt > GEOCODE_STUCK_MS) {
    throw new Error(`venue ${venue.id} (${venue.name}): ${ingestVenueGeocode.name} job ${jobId} is still ${geo.state} after ${GEOCODE_STUCK_MS / 60_000} min`);
  }
  return ctx.defer(GEOCODE_WAIT_MS, { reason: `venue ${venue.id} (${venue.name}) has no coordinates yet: waiting for ${ingestVenueGeocode.name} job ${jobId}` });
}

/**
 * Drops Open-Meteo's per-response `generationtime_ms` so equal weather hashes equal. A body that is not
 * JSON fails here (retryable, nothing stored).
 */
function withoutGenerationTime(source: string, feed: FeedSource): FeedSource {
  return {
    async fetch(req, cursor, signal) {
      const res = await feed.fetch(req, cursor, signal);
      if (res.notModified) return res;
      const json = parseJson(source, res.body);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return res;
      const { generationtime_ms: _volatile, ...stable } = json as Record<string, unknown>;
      return { ...res, body: Buffer.from(JSON.stringify(stable)) };
    },
  };
}
