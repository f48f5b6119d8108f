// Re-runs the transforms and loads over the raw-payload archive with no network: for when a mapping was
// fixed and stored data must be rebuilt (ESPN scoreboards, summaries and news; Open-Meteo weather; the
// configured RSS feeds). Payloads are replayed oldest first, so the newest state wins.
import { pgSql } from '../../src/db/sql.js';
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { IngestPipelineDeps } from '../_feeds/deps.js';
import { gunzip, quarantine, zeroCounts, type IngestCounts } from '../_feeds/store.js';
import { replayersFor } from './replayers.js';

const PAGE = 50;

export async function run(p: { source?: string; since?: string; until?: string }, ctx: JobContext<IngestPipelineDeps>) {
  const sql = pgSql(ctx.deps.pg);
  const replayers = replayersFor(ctx.deps);
  const sources = p.source ? [p.source] : Object.keys(replayers);
  for (const s of sources) if (!replayers[s]) throw new NonRetryableError(`no replayer for source "${s}" (known: ${Object.keys(replayers).join(', ')})`);
  const counts: IngestCounts = zeroCounts();
  let payloads = 0;
  // Keyset pages in replay order (fetch time, then id): no payload skipped or repeated when ids and
  // fetch times disagree (payloads of jobs running side by side).
  let after: { fetchedAt: string; id: string } | null = null;
  const range = { since: p.since ? utc(new Date(p.since)) : null, until: p.until ? utc(new Date(p.until)) : null };
  const [counted] = await sql.$queryRawUnsafe<Array<{ total: number }>>(
    `SELECT count(*)::int AS total FROM raw_payloads WHERE source = ANY($1::text[])
       AND ($2::timestamp IS NULL OR fetched_at >= $2::timestamp) AND ($3::timestamp IS NULL OR fetched_at < $3::timestamp)`,
    sources, range.since, range.until,
  );
  const total = counted?.total ?? 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const page: Page = await sql.$queryRawUnsafe<Page>(
      `SELECT id::text, source, request_key AS "requestKey", to_char(fetched_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS "fetchedAt", body
       FROM raw_payloads WHERE source = ANY($1::text[])
         AND ($2::timestamp IS NULL OR fetched_at >= $2::timestamp) AND ($3::timestamp IS NULL OR fetched_at < $3::timestamp)
         AND ($4::timestamp IS NULL OR (fetched_at, id) > ($4::timestamp, $5::bigint))
       ORDER BY fetched_at, id LIMIT ${PAGE}`,
      sources, range.since, range.until, after?.fetchedAt ?? null, after?.id ?? null,
    );
    if (!page.length) break;
    for (const raw of page) {
      const result = await replayers[raw.source]!(await gunzip(raw.body), ctx.deps, counts, { requestKey: raw.requestKey, fetchedAt: new Date(`${raw.fetchedAt}Z`) });
      counts.quarantined += await quarantine(sql, result.quarantined);
      counts.fetched++;
      payloads++;
    }
    after = { fetchedAt: page.at(-1)!.fetchedAt, id: page.at(-1)!.id };
    await ctx.progress(Math.round((payloads / Math.max(1, total)) * 100));
  }
  return { payloads, counts };
}

type Page = Array<{ id: string; source: string; requestKey: string; fetchedAt: string; body: Buffer }>;

// Timestamp columns hold UTC wall time without a zone.
const utc = (d: Date) => d.toISOString().slice(0, -1);
