// The ingest bench's baseline, measured in the same run: the same season fetched from the same local
// server and parsed with JSON.parse, nothing else (no validation, no transform, no database, no queue),
// with the engine's concurrency: scoreboards `scoreboards` at a time, then the summaries in jobs of 10
// (`summaryJobs` jobs at a time, 4 fetches at a time inside a job, as the summary pipeline fans out),
// over one 8-connection undici pool, as the engine's ESPN client. What the engine adds on top of this
// is its own cost, so engine/baseline does not swing with the machine as matches/s does.
import pLimit from 'p-limit';
import { Pool } from 'undici';

/** The engine's ESPN client pool size and the summary pipeline's fan-out (pipelines/_feeds/deps.ts, pipelines/ingest-espn-summary). */
const CONNECTIONS = 8;
const FAN_OUT = 4;

export interface BaselineConcurrency { scoreboards: number; summaryJobs: number }

/** Reads the CONCURRENCY setting the engine gets (`queue=n,…`), so both sides always run alike. */
export function concurrencyOf(setting: string): BaselineConcurrency {
  const of = (queue: string) => Number(new RegExp(`(?:^|,)${queue}=(\\d+)`).exec(setting)?.[1] ?? 4);
  return { scoreboards: of('ingest-espn-scoreboard'), summaryJobs: of('ingest-espn-summary') };
}

export function createBaseline(url: string, c: BaselineConcurrency) {
  const pool = new Pool(url, { connections: CONNECTIONS, keepAliveTimeout: 4_000 });
  const getJson = async (path: string): Promise<any> => {
    const res = await pool.request({ method: 'GET', path, headers: { accept: 'application/json' } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`baseline: ${path} answered ${res.statusCode}`);
    return JSON.parse(body.toString('utf8'));
  };
  return {
    /** One pass over the season; returns its seconds. Checks it saw every match, so nothing is skipped. */
    async pass(dates: string[], eventIds: string[]): Promise<number> {
      const t = performance.now();
      const boards = pLimit(c.scoreboards);
      const events = (await Promise.all(dates.map((d) => boards(() => getJson(`/eng.1/scoreboard?dates=${d}&limit=500`))))).reduce((n, b) => n + b.events.length, 0);
      const jobs = pLimit(c.summaryJobs);
      const groups: string[][] = [];
      for (let i = 0; i < eventIds.length; i += 10) groups.push(eventIds.slice(i, i + 10));
      const summaries = await Promise.all(groups.map((ids) => jobs(async () => {
        const fan = pLimit(FAN_OUT);
        return (await Promise.all(ids.map((id) => fan(() => getJson(`/eng.1/summary?event=${id}`))))).filter((s) => s.header?.id).length;
      })));
      const seconds = (performance.now() - t) / 1000;
      const parsed = summaries.reduce((a, b) => a + b, 0);
      if (events !== eventIds.length || parsed !== eventIds.length) throw new Error(`baseline: ${events} scoreboard events and ${parsed} summaries for ${eventIds.length} matches`);
      return seconds;
    },
    close: () => pool.close(),
  };
}
