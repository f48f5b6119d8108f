import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id } from '../src/schemas.js';

export const ingestVenueGeocode = defineQueue({
  name: 'ingest-venue-geocode',
  description: 'Coordinates of one venue from Open-Meteo geocoding by city and country, cached on the venue (manual coordinates win)',
  payload: z.object({
    venueId: int4Id(),
    /** Geocode again even when coordinates are cached (never over manual ones). */
    force: z.boolean().optional(),
  }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 2,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-venue-geocode/index.js').then((m) => m.run),
});
