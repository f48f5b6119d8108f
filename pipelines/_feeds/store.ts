// What every feed pipeline does around its transform: conditional fetch with a content hash (an
// unchanged payload costs no database writes), the compressed raw archive, and the quarantine.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import { coalesce } from '../../src/db/coalesce.js';
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { utc } from '../../src/time.js';
import type { Quarantined } from './transform.js';
import type { FeedSource, FetchRequest } from './source.js';

const gzip = promisify(gzipCb) as (b: Buffer, o?: { level: number }) => Promise<Buffer>;
export const gunzip = promisify(gunzipCb);

export type Fresh = {
  changed: true; body: Buffer; hash: string; fetchedAt: Date;
  /** When the payload was current: the fetch time less the age a cache in between reported. */
  asOf: Date;
  commit: (tx?: Executor) => Promise<void> } | { changed: false; reason: 'not-modified' | 'same-content' };

/**
 * Fetches `req` and says whether it changed since the last successful load. `commit()` records the new
 * cursor: call it only after the payload was loaded, so a crash in between re-processes it (idempotently).
 */
export async function fetchIfChanged(ex: Executor, readCursor: CursorReader, source: string, feed: FeedSource, req: FetchRequest, signal: AbortSignal): Promise<Fresh> {
  const cursor = await readCursor({ source, key: req.key });
  const fetchedAt = new Date();
  const res = await feed.fetch(req, cursor, signal);
  if (res.notModified) return { changed: false, reason: 'not-modified' };
  const hash = createHash('sha256').update(res.body).digest('hex');
  if (cursor?.contentHash === hash) return { changed: false, reason: 'same-content' };
  return {
    changed: true,
    body: res.body,
    hash,
    fetchedAt,
    asOf: new Date(fetchedAt.getTime() - (res.ageSeconds ?? 0) * 1000),
    commit: async (tx = ex) => {
      const at = utc(fetchedAt);
      await tx.execute(sql`
        INSERT INTO fetch_cursors (source, request_key, etag, last_modified, content_hash, last_fetched_at, last_changed_at)
        VALUES (${source}, ${req.key}, ${res.etag}, ${res.lastModified}, ${hash}, ${at}::timestamp, ${at}::timestamp)
        ON CONFLICT (source, request_key) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
          content_hash = excluded.content_hash, last_fetched_at = excluded.last_fetched_at, last_changed_at = excluded.last_changed_at`);
    },
  };
}

export interface Cursor {
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
}

export type CursorReader = (req: { source: string; key: string }) => Promise<Cursor | null>;

/**
 * Reads feeds' cursors; the lookups of jobs running side by side go to PostgreSQL as one statement.
 * Always read from the database (never cached here): another replica may have loaded a newer payload.
 */
export function cursorReader(ex: Executor): CursorReader {
  return coalesce(async (reqs: Array<{ source: string; key: string }>) => {
    const rows = await ex.query<Cursor & { source: string; requestKey: string }>(sql`
      SELECT source, request_key AS "requestKey", etag, last_modified AS "lastModified", content_hash AS "contentHash"
      FROM fetch_cursors WHERE (source, request_key) IN (SELECT * FROM unnest(${reqs.map((r) => r.source)}::text[], ${reqs.map((r) => r.key)}::text[]))`);
    const found = new Map(rows.map((r) => [`${r.source}\u0000${r.requestKey}`, { etag: r.etag, lastModified: r.lastModified, contentHash: r.contentHash }]));
    return reqs.map((r) => found.get(`${r.source}\u0000${r.key}`) ?? null);
  });
}

/** Keeps the raw payload (gzip) for replay; the same content under the same request is stored once. */
export async function archive(ex: Executor, source: string, requestKey: string, body: Buffer, hash: string, fetchedAt: Date): Promise<void> {
  await archiveCompressed(ex, source, requestKey, await compress(body), body.length, hash, fetchedAt);
}

export async function archiveCompressed(ex: Executor, source: string, requestKey: string, compressed: Buffer, sizeBytes: number, hash: string, fetchedAt: Date): Promise<void> {
  await ex.execute(sql`
    INSERT INTO raw_payloads (source, request_key, content_hash, fetched_at, body, size_bytes)
    VALUES (${source}, ${requestKey}, ${hash}, ${utc(fetchedAt)}::timestamp, ${compressed}, ${sizeBytes})
    ON CONFLICT (source, request_key, content_hash) DO NOTHING`);
}

/** gzip at level 1: the archive is for replay, and the faster level halves the CPU for most of the saving. */
export const compress = (body: Buffer) => gzip(body, { level: 1 });

/** Quarantines bad records in one statement; a record seen again bumps its count and last-seen time. */
export async function quarantine(ex: Executor, records: readonly Quarantined[]): Promise<number> {
  if (!records.length) return 0;
  // Within one batch a key may repeat (two bad items with the same link): keep the last.
  const byKey = new Map(records.map((r) => [`${r.source}\u0000${r.recordKey}`, r]));
  const rows = [...byKey.values()];
  await ex.execute(sql`
    INSERT INTO quarantined_records (source, record_key, raw, error)
    SELECT * FROM unnest(${rows.map((r) => r.source)}::text[], ${rows.map((r) => r.recordKey)}::text[],
      ${rows.map((r) => JSON.stringify(r.raw ?? null))}::jsonb[], ${rows.map((r) => r.error)}::text[])
    ON CONFLICT (source, record_key) DO UPDATE
      SET raw = excluded.raw, error = excluded.error, last_seen = now(), count = quarantined_records.count + 1`);
  return rows.length;
}

export interface IngestCounts {
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  quarantined: number;
}

export const zeroCounts = (): IngestCounts => ({ fetched: 0, inserted: 0, updated: 0, unchanged: 0, quarantined: 0 });
