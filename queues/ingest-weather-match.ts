import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id } from '../src/schemas.js';

export const ingestWeatherMatch = defineQueue({
  name: 'ingest-weather-match',
  description: 'Open-Meteo weather (forecast, or archive once played) at one match\'s kick-off hour, in SI units',
  payload: z.object({ matchId: int4Id() }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 4,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-weather-match/index.js').then((m) => m.run),
});
