// The weather of one match in an Open-Meteo response, shared by the live pipeline and the archive replay.
import { quarantineOne } from '../_feeds/transform.js';
import { transformWeather, type KickoffWeatherRecord, type WeatherSource } from './transform.js';

export const weatherSourceName = (source: WeatherSource) => `open-meteo.${source}`;

/**
 * The weather of one match's kick-off hour in an Open-Meteo response (live and replayed alike): a
 * response without that hour quarantines the match with `context`.
 */
export function matchWeather(sourceName: string, source: WeatherSource, json: unknown, match: { id: number; kickoff: Date }, context: Record<string, unknown>) {
  const key = `match:${match.id}`;
  const result = transformWeather(json, source, [{ key, kickoff: match.kickoff }]);
  return {
    records: result.records.filter((r): r is KickoffWeatherRecord & { weather: NonNullable<KickoffWeatherRecord['weather']> } => r.weather !== null),
    quarantined: [
      ...result.quarantined,
      ...result.records.filter((r) => r.weather === null).map((r) => quarantineOne(sourceName, key, context, r.reason ?? 'no weather for the kickoff hour')),
    ],
  };
}
