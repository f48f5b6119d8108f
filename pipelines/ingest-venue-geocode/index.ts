// Venue coordinates from Open-Meteo geocoding (`/v1/search?name=<city>`), cached on the venue. ESPN gives
// no coordinates, so this is how the weather pipeline learns where a match is played.
//
// - MANUAL coordinates (set by an operator) are never touched.
// - GEOCODED coordinates are the cache: a venue is geocoded once (`force` asks again, e.g. after its
//   city was corrected). Another venue already geocoded for the same city and country is reused too.
// - No usable result is not an error that retrying fixes: it is quarantined under
//   ('open-meteo.geocoding', 'venue:<id>') with the query and the reason, and the job completes.
import { createHash } from 'node:crypto';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { parseJson } from '../_feeds/run-feed.js';
import { archive, quarantine, zeroCounts } from '../_feeds/store.js';
import { bestGeocodingMatch, GEOCODING_SOURCE } from '../_open-meteo/geocoding.js';
import { saveGeocodedCoordinates } from '../_open-meteo/load.js';
import { geocodingRequest, venueQuarantineKey } from '../_open-meteo/requests.js';

export type GeocodeOutcome = 'manual' | 'cached' | 'reused' | 'geocoded' | 'not-found';

export async function run(p: { venueId: number; force?: boolean }, ctx: JobContext<IngestPipelineDeps>) {
  const { db, sql: main } = ctx.deps;
  const counts = zeroCounts();
  const venue = await db.venue.findUnique({ where: { id: p.venueId } });
  if (!venue) throw new NonRetryableError(`no venue with id ${p.venueId}`);
  const done = (outcome: GeocodeOutcome, extra: object = {}) => ({ venueId: venue.id, outcome, counts, ...extra });

  if (venue.coordinatesSource === 'MANUAL') {
    counts.unchanged = 1;
    return done('manual');
  }
  if (venue.coordinatesSource === 'GEOCODED' && venue.latitude !== null && venue.longitude !== null && !p.force) {
    counts.unchanged = 1;
    return done('cached');
  }
  const query = { city: venue.city, country: venue.country };
  const notFound = async (reason: string, raw: object = {}) => {
    counts.quarantined += await quarantine(main, [{ source: GEOCODING_SOURCE, recordKey: venueQuarantineKey(venue.id), raw: { venueId: venue.id, name: venue.name, query, ...raw }, error: reason }]);
    ctx.log.warn({ venueId: venue.id, query, reason }, 'venue not geocoded: set its coordinates by hand (PUT /venues/:id/coordinates)');
    return done('not-found', { reason });
  };
  if (!venue.city) return notFound('the venue has no city to geocode');

  if (!p.force) {
    // Geocoding is by city: a venue of the same city already geocoded has the answer.
    const sibling = await db.venue.findFirst({
      where: {
        id: { not: venue.id }, coordinatesSource: 'GEOCODED', latitude: { not: null }, longitude: { not: null },
        city: { equals: venue.city, mode: 'insensitive' },
        country: venue.country === null ? null : { equals: venue.country, mode: 'insensitive' },
      },
      orderBy: { coordinatesAt: 'desc' },
    });
    if (sibling?.latitude != null && sibling.longitude != null) {
      const saved = await saveGeocodedCoordinates(main, venue.id, { latitude: sibling.latitude, longitude: sibling.longitude, timezone: sibling.timezone });
      if (!saved) return manualMeanwhile();
      counts.updated = 1;
      return done('reused', { fromVenueId: sibling.id, latitude: sibling.latitude, longitude: sibling.longitude });
    }
  }

  const req = geocodingRequest(venue.city, venue.country);
  const fetchedAt = new Date();
  const res = await ctx.deps.openMeteo.geocoding.fetch(req, null, ctx.signal);
  counts.fetched = 1;
  const body = parseJson(GEOCODING_SOURCE, res.body); // not JSON at all: a cut response, retried
  await archive(main, GEOCODING_SOURCE, req.key, res.body, createHash('sha256').update(res.body).digest('hex'), fetchedAt);
  const best = bestGeocodingMatch(body, { city: venue.city, country: venue.country });
  counts.quarantined += await quarantine(main, best.quarantined);
  if (!best.match) return notFound(best.reason ?? 'no geocoding result', { request: { path: req.path, query: req.query } });

  const { latitude, longitude, timezone } = best.match;
  if (!(await saveGeocodedCoordinates(main, venue.id, { latitude, longitude, timezone }))) return manualMeanwhile();
  counts.updated = 1;
  ctx.log.info({ venueId: venue.id, city: venue.city, latitude, longitude }, 'venue geocoded');
  return done('geocoded', { latitude, longitude, timezone, place: { name: best.match.name, admin1: best.match.admin1, countryCode: best.match.countryCode } });

  function manualMeanwhile() {
    counts.unchanged = 1;
    return done('manual');
  }
}
