// Re-runs the transforms and loads over the raw-payload archive with no network: for when a mapping was
// fixed and stored data must be rebuilt (ESPN scoreboards, summaries and news; Open-Meteo weather; the
// configured RSS feeds). Payloads are replayed oldest first, so the newest state wins.
import { page, type Cursor } from '../../src/db/page.js';
import { sql } from '../../src/db/sql.js';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import { utc } from '../../src/time.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { gunzip, quarantine, zeroCounts, type IngestCounts } from '../_feeds/store.js';
import { replayersFor } from './replayers.js';

const PAGE = 50;

type Archived = { id: string; source: string; requestKey: string; fetched_at: Date; body: Buffer };

export async function run(p: { source?: string; since?: string; until?: string }, ctx: JobContext<IngestPipelineDeps>) {
  const { sql: main, analytics } = ctx.deps;
  const replayers = replayersFor(ctx.deps);
  const sources = p.source ? [p.source] : Object.keys(replayers);
  for (const s of sources) if (!replayers[s]) throw new NonRetryableError(`no replayer for source "${s}" (known: ${Object.keys(replayers).join(', ')})`);
  const counts: IngestCounts = zeroCounts();
  let payloads = 0;
  const where = sql`source = ANY(${sources}::text[])
    ${p.since ? sql`AND fetched_at >= ${utc(new Date(p.since))}::timestamp` : sql.empty}
    ${p.until ? sql`AND fetched_at < ${utc(new Date(p.until))}::timestamp` : sql.empty}`;
  // Scanning the archive is the long part: it runs on the analytics pool, the loads on the main one.
  const { total } = await analytics.one<{ total: number }>(sql`SELECT count(*)::int AS total FROM raw_payloads WHERE ${where}`);
  // Keyset pages in replay order (fetch time, then id): no payload skipped or repeated when ids and
  // fetch times disagree (payloads of jobs running side by side).
  let after: Cursor | null = null;
  do {
    ctx.signal.throwIfAborted();
    const got: { rows: Archived[]; next: Cursor | null } = await page<Archived>(analytics, {
      from: sql`SELECT id, source, request_key AS "requestKey", fetched_at, body FROM raw_payloads WHERE ${where}`,
      key: [['fetched_at', 'timestamp'], ['id', 'bigint']],
      after,
      limit: PAGE,
    });
    for (const raw of got.rows) {
      const result = await replayers[raw.source]!(await gunzip(raw.body), ctx.deps, counts, { requestKey: raw.requestKey, fetchedAt: raw.fetched_at });
      counts.quarantined += await quarantine(main, result.quarantined);
      counts.fetched++;
      payloads++;
    }
    after = got.next;
    await ctx.progress(Math.round((payloads / Math.max(1, total)) * 100));
  } while (after);
  return { payloads, counts };
}
