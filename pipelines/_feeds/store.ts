// What every feed pipeline does around its transform: conditional fetch with a content hash (an
// unchanged payload costs no database writes), the compressed raw archive, and the quarantine.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type pg from 'pg';
import { coalesce } from '../../src/db/coalesce.js';
import type { Sql } from '../../src/db/sql.js';
import type { Quarantined } from './transform.js';
import type { FeedSource, FetchRequest } from './source.js';

const gzip = promisify(gzipCb) as (b: Buffer, o?: { level: number }) => Promise<Buffer>;
export const gunzip = promisify(gunzipCb);

export type Fresh = { changed: true; body: Buffer; hash: string; fetchedAt: Date; commit: (tx?: Sql) => Promise<void> } | { changed: false; reason: 'not-modified' | 'same-content' };

/**
 * Fetches `req` and says whether it changed since the last successful load. `commit()` records the new
 * cursor: call it only after the payload was loaded, so a crash in between re-processes it (idempotently).
 */
export async function fetchIfChanged(db: Sql, readCursor: CursorReader, source: string, feed: FeedSource, req: FetchRequest, signal: AbortSignal): Promise<Fresh> {
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
    commit: async (tx = db) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO fetch_cursors (source, request_key, etag, last_modified, content_hash, last_fetched_at, last_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6::timestamp, $6::timestamp)
         ON CONFLICT (source, request_key) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
           content_hash = excluded.content_hash, last_fetched_at = excluded.last_fetched_at, last_changed_at = excluded.last_changed_at`,
        source, req.key, res.etag, res.lastModified, hash, utc(fetchedAt),
      );
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
export function cursorReader(pool: pg.Pool): CursorReader {
  return coalesce(async (reqs: Array<{ source: string; key: string }>) => {
    const { rows } = await pool.query<Cursor & { source: string; requestKey: string }>(
      `SELECT source, request_key AS "requestKey", etag, last_modified AS "lastModified", content_hash AS "contentHash"
       FROM fetch_cursors WHERE (source, request_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [reqs.map((r) => r.source), reqs.map((r) => r.key)],
    );
    const found = new Map(rows.map((r) => [`${r.source}\u0000${r.requestKey}`, { etag: r.etag, lastModified: r.lastModified, contentHash: r.contentHash }]));
    return reqs.map((r) => found.get(`${r.source}\u0000${r.key}`) ?? null);
  });
}

/** Keeps the raw payload (gzip) for replay; the same content under the same request is stored once. */
export async function archive(db: Sql, source: string, requestKey: string, body: Buffer, hash: string, fetchedAt: Date): Promise<void> {
  await archiveCompressed(db, source, requestKey, await compress(body), body.length, hash, fetchedAt);
}

export async function archiveCompressed(db: Sql, source: string, requestKey: string, compressed: Buffer, sizeBytes: number, hash: string, fetchedAt: Date): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO raw_payloads (source, request_key, content_hash, fetched_at, body, size_bytes)
     VALUES ($1, $2, $3, $4::timestamp, $5, $6)
     ON CONFLICT (source, request_key, content_hash) DO NOTHING`,
    source, requestKey, hash, utc(fetchedAt), compressed, sizeBytes,
  );
}

/** gzip at level 1: the archive is for replay, and the faster level halves the CPU for most of the saving. */
export const compress = (body: Buffer) => gzip(body, { level: 1 });

// Timestamp columns hold UTC without a zone (Prisma's DateTime): pass UTC wall time, no session-zone cast.
const utc = (d: Date) => d.toISOString().slice(0, -1);

/** Quarantines bad records in one statement; a record seen again bumps its count and last-seen time. */
export async function quarantine(db: Sql, records: readonly Quarantined[]): Promise<number> {
  if (!records.length) return 0;
  // Within one batch a key may repeat (two bad items with the same link): keep the last.
  const byKey = new Map(records.map((r) => [`${r.source}\u0000${r.recordKey}`, r]));
  const rows = [...byKey.values()];
  await db.$executeRawUnsafe(
    `INSERT INTO quarantined_records (source, record_key, raw, error)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[])
     ON CONFLICT (source, record_key) DO UPDATE
       SET raw = excluded.raw, error = excluded.error, last_seen = now(), count = quarantined_records.count + 1`,
    rows.map((r) => r.source),
    rows.map((r) => r.recordKey),
    rows.map((r) => JSON.stringify(r.raw ?? null)),
    rows.map((r) => r.error),
  );
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
