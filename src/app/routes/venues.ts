// PUT /venues/:id/coordinates — an operator sets a venue's coordinates by hand (they win over geocoding).
// Registered through the engine's `extraRoutes`, so it sits behind the API key.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpContext } from '../../http/context.js';
import { deadlines, HttpError, zodDetails } from '../../http/errors.js';
import { int4IdParam } from '../../schemas.js';
import { isTimeZone, setVenueCoordinates, type VenueCoordinates } from '../../../pipelines/_open-meteo/venues.js';

const params = z.object({ id: int4IdParam() });
const body = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  timezone: z.string().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/London').nullish(),
});

const invalid = (what: string, details: Array<{ field: string; message: string }>) =>
  new HttpError(400, `invalid ${what}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);

export const venueView = (v: VenueCoordinates) => ({
  id: v.id, name: v.name, city: v.city, country: v.country, latitude: v.latitude, longitude: v.longitude, timezone: v.timezone,
  coordinatesSource: v.coordinatesSource, coordinatesAt: v.coordinatesAt?.toISOString() ?? null,
});

export function venueRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pg } = deadlines(ctx.config.ENQUEUE_TIMEOUT_MS);
  app.put('/venues/:id/coordinates', async (req) => {
    const p = params.safeParse(req.params);
    if (!p.success) throw invalid('venue id', zodDetails(p.error));
    const b = body.safeParse(req.body ?? {});
    if (!b.success) throw invalid('coordinates', zodDetails(b.error));
    const venue = await pg(setVenueCoordinates(ctx.db, p.data.id, b.data.latitude, b.data.longitude, { timezone: b.data.timezone ?? null }));
    if (!venue) throw new HttpError(404, `no venue ${p.data.id}`);
    return venueView(venue);
  });
}
