// The steps every feed pipeline takes: fetch if changed → transform → archive → quarantine → load →
// record the cursor. Feeds supply the transform and the load; the counts feed the pipeline_runs row.
import { tx } from '../../src/db/executor.js';
import type { JobContext } from '../../src/queue/define.js';
import type { TransformResult } from './transform.js';
import type { IngestPipelineDeps } from './deps.js';
import type { FeedSource, FetchRequest } from './source.js';
import { archiveCompressed, compress, fetchIfChanged, quarantine, zeroCounts, type IngestCounts } from './store.js';

export interface FeedRun<T, L> {
  source: string;
  feed: FeedSource;
  request: FetchRequest;
  transform(body: Buffer): TransformResult<T>;
  /** `payload.asOf`: when the payload was current (its fetch time less any cache age). */
  load(records: T[], counts: IngestCounts, payload: { fetchedAt: Date; asOf: Date }): Promise<L>;
}

export async function runFeed<T, L>(f: FeedRun<T, L>, ctx: JobContext<IngestPipelineDeps>): Promise<{ counts: IngestCounts; changed: boolean; loaded?: L }> {
  const counts = zeroCounts();
  const fresh = await fetchIfChanged(ctx.deps.sql, ctx.deps.readCursor, f.source, f.feed, f.request, ctx.signal);
  counts.fetched = 1;
  if (!fresh.changed) {
    ctx.log.debug({ request: f.request.key, reason: fresh.reason }, 'unchanged: nothing written');
    return { counts, changed: false };
  }
  // gzip runs on libuv's thread pool while the transform runs here. Transform before storing anything:
  // a body that is not even well-formed (cut, malformed) fails the job and stores nothing.
  const compressed = compress(fresh.body);
  compressed.catch(() => {});
  const result = f.transform(fresh.body);
  const packed = await compressed;
  counts.quarantined = await tx(ctx.deps.sql, async (t) => {
    await archiveCompressed(t, f.source, f.request.key, packed, fresh.body.length, fresh.hash, fresh.fetchedAt);
    return quarantine(t, result.quarantined);
  }, { durable: false });
  if (result.quarantined.length) ctx.log.warn({ request: f.request.key, quarantined: result.quarantined.length, first: result.quarantined[0]?.error }, 'records quarantined');
  const loaded = await f.load(result.records, counts, { fetchedAt: fresh.fetchedAt, asOf: fresh.asOf });
  await tx(ctx.deps.sql, (t) => fresh.commit(t), { durable: false });
  return { counts, changed: true, loaded };
}

/** Parses a JSON body; a body that is not JSON at all fails the job (retryable: it may be a cut response). */
export function parseJson(source: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new Error(`${source}: malformed JSON payload (${(err as Error).message})`);
  }
}
