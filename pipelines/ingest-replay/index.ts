// Re-runs the transforms and loads over the raw-payload archive with no network: for when a mapping was
// fixed and stored data must be rebuilt (ESPN scoreboards, summaries and news; the configured RSS feeds). Payloads are replayed oldest first, so the newest state wins.
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { IngestPipelineDeps } from '../ingest-shared/deps.js';
import { gunzip, quarantine, zeroCounts, type IngestCounts } from '../ingest-shared/store.js';
import { replayersFor } from './replayers.js';

const PAGE = 50;

export async function run(p: { source?: string; since?: string; until?: string }, ctx: JobContext<IngestPipelineDeps>) {
  const { db } = ctx.deps;
  const replayers = replayersFor(ctx.deps);
  const sources = p.source ? [p.source] : Object.keys(replayers);
  for (const s of sources) if (!replayers[s]) throw new NonRetryableError(`no replayer for source "${s}" (known: ${Object.keys(replayers).join(', ')})`);
  const counts: IngestCounts = zeroCounts();
  let payloads = 0;
  let cursor = 0n;
  const total = await db.rawPayload.count({ where: where(sources, p, 0n) });
  for (;;) {
    ctx.signal.throwIfAborted();
    const page = await db.rawPayload.findMany({ where: where(sources, p, cursor), orderBy: [{ fetchedAt: 'asc' }, { id: 'asc' }], take: PAGE });
    if (!page.length) break;
    for (const raw of page) {
      const result = await replayers[raw.source]!(await gunzip(raw.body), ctx.deps, counts);
      counts.quarantined += await quarantine(db, result.quarantined);
      counts.fetched++;
      payloads++;
    }
    cursor = page.at(-1)!.id;
    await ctx.progress(Math.round((payloads / Math.max(1, total)) * 100));
  }
  return { payloads, counts };
}

function where(sources: string[], p: { since?: string; until?: string }, after: bigint) {
  return {
    source: { in: sources },
    ...(after ? { id: { gt: after } } : {}),
    ...(p.since || p.until ? { fetchedAt: { ...(p.since ? { gte: new Date(p.since) } : {}), ...(p.until ? { lt: new Date(p.until) } : {}) } } : {}),
  };
}
