import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { isCalendarDate } from '../src/schemas.js';

/** ESPN's `dates`: one day or a range, YYYYMMDD; days that do not exist (20250230) are refused here. */
const espnDates = z.string().superRefine((v, ctx) => {
  const m = /^(\d{8})(?:-(\d{8}))?$/.exec(v);
  if (!m) return void ctx.addIssue({ code: 'custom', message: 'YYYYMMDD or YYYYMMDD-YYYYMMDD' });
  const [from, to = from] = [m[1]!, m[2]];
  const real = (d: string) => isCalendarDate(Number(d.slice(0, 4)), Number(d.slice(4, 6)), Number(d.slice(6, 8)));
  if (!real(from) || !real(to)) ctx.addIssue({ code: 'custom', message: 'must name real days (20250230 does not exist)' });
  else if (to < from) ctx.addIssue({ code: 'custom', message: 'the range must not end before it starts' });
});

export const ingestEspnScoreboard = defineQueue({
  name: 'ingest-espn-scoreboard',
  description: 'ESPN scoreboard of one league and date (range): fixtures, status, live scores, venues, goals and cards',
  payload: z.object({
    league: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'an ESPN league slug such as eng.1'),
    dates: espnDates.optional(),
  }),
  retry: retryPresets.upstream,
  timeoutMs: 60_000,
  concurrency: 4,
  retention: defaultRetention,
  recordRuns: true,
  handler: () => import('../pipelines/ingest-espn-scoreboard/index.js').then((m) => m.run),
});
