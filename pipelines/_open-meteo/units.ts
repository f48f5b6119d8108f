// Open-Meteo reports each variable in the unit the request asked for (`temperature_unit`,
// `wind_speed_unit`, `precipitation_unit`), and says which in `hourly_units`. We store SI only, so every
// value goes through a converter chosen from that unit string; an unknown unit is an error, never a guess.

export type Quantity = 'temperature' | 'speed' | 'precipitation' | 'percent' | 'code';

type Convert = (value: number) => number;

const identity: Convert = (v) => v;

/** Keys are unit strings lower-cased with spaces removed. Open-Meteo's own spellings come first. */
const CONVERTERS: Record<Quantity, Record<string, Convert>> = {
  temperature: {
    '°c': identity,
    '°f': (f) => ((f - 32) * 5) / 9,
    c: identity,
    degc: identity,
    celsius: identity,
    f: (f) => ((f - 32) * 5) / 9,
    degf: (f) => ((f - 32) * 5) / 9,
    fahrenheit: (f) => ((f - 32) * 5) / 9,
    k: (k) => k - 273.15,
  },
  speed: {
    'm/s': identity,
    'km/h': (v) => v / 3.6,
    'mp/h': (v) => v * 0.44704, // Open-Meteo's spelling of mph
    kn: (v) => (v * 1852) / 3600,
    ms: identity,
    'ms-1': identity,
    'ms⁻¹': identity,
    kmh: (v) => v / 3.6,
    kph: (v) => v / 3.6,
    'km/hr': (v) => v / 3.6,
    mph: (v) => v * 0.44704,
    'mi/h': (v) => v * 0.44704,
    kt: (v) => (v * 1852) / 3600,
    kts: (v) => (v * 1852) / 3600,
    knots: (v) => (v * 1852) / 3600,
  },
  precipitation: {
    mm: identity,
    inch: (v) => v * 25.4,
    in: (v) => v * 25.4,
    inches: (v) => v * 25.4,
    cm: (v) => v * 10,
  },
  percent: { '%': identity, percent: identity },
  // WMO weather interpretation codes have no unit to convert; Open-Meteo labels them "wmo code".
  code: { wmocode: identity, '': identity },
};

export function converterFor(quantity: Quantity, unit: string): Convert | null {
  return CONVERTERS[quantity][unit.toLowerCase().replace(/\s+/g, '')] ?? null;
}

/**
 * Converted values keep two decimals: providers report one, and more digits would only be float noise
 * (3.1 km/h is 0.8611… m/s; 0.86 is already finer than the measurement).
 */
export function roundSi(value: number): number {
  return Math.round(value * 100) / 100;
}
