// Coordinates set by an operator: they win over geocoding, which never overwrites them.
import type { Db } from '../../src/db/client.js';

export interface VenueCoordinates {
  id: number;
  name: string;
  city: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  timezone: string | null;
  coordinatesSource: 'GEOCODED' | 'MANUAL' | null;
  coordinatesAt: Date | null;
}

/** Whether `tz` is an IANA time zone this runtime knows ("Europe/London"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Sets a venue's coordinates by hand (source MANUAL). The time zone, when not given, is cleared rather
 * than kept: a correction usually means the geocoded place, and so its zone, was wrong.
 * Returns the venue, or null when there is no venue with that id.
 */
export async function setVenueCoordinates(
  db: Db,
  venueId: number,
  latitude: number,
  longitude: number,
  opts: { timezone?: string | null } = {},
): Promise<VenueCoordinates | null> {
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) throw new RangeError(`latitude must be within -90..90, got ${latitude}`);
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) throw new RangeError(`longitude must be within -180..180, got ${longitude}`);
  if (opts.timezone != null && !isTimeZone(opts.timezone)) throw new RangeError(`unknown time zone "${opts.timezone}"`);
  const { count } = await db.venue.updateMany({
    where: { id: venueId },
    data: { latitude, longitude, timezone: opts.timezone ?? null, coordinatesSource: 'MANUAL', coordinatesAt: new Date() },
  });
  if (count === 0) return null;
  return db.venue.findUnique({
    where: { id: venueId },
    select: { id: true, name: true, city: true, country: true, latitude: true, longitude: true, timezone: true, coordinatesSource: true, coordinatesAt: true },
  });
}
