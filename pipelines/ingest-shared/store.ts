// What every feed pipeline does around its transform: conditional fetch with a content hash (an
// unchanged payload costs no database writes), the compressed raw archive, and the quarantine.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Db } from '../../src/db/client.js';
import type { Quarantined } from '../shared/transform.js';
import type { FeedSource, FetchRequest } from './source.js';

const gzip = promisify(gzipCb);
export const gunzip = promisify(gunzipCb);

export type Fresh = { changed: true; body: Buffer; hash: string; fetchedAt: Date; commit: () => Promise<void> } | { changed: false; reason: 'not-modified' | 'same-content' };

/**
 * Fetches `req` and says whether it changed since the last successful load. `commit()` records the new
 * cursor: call it only after the payload was loaded, so a crash in between re-processes it (idempotently).
 */
export async function fetchIfChanged(db: Db, source: string, feed: FeedSource, req: FetchRequest, signal: AbortSignal): Promise<Fresh> {
  const cursor = await db.fetchCursor.findUnique({ where: { source_requestKey: { source, requestKey: req.key } } });
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
    commit: async () => {
      const data = { etag: res.etag, lastModified: res.lastModified, contentHash: hash, lastFetchedAt: fetchedAt, lastChangedAt: fetchedAt };
      await db.fetchCursor.upsert({ where: { source_requestKey: { source, requestKey: req.key } }, create: { source, requestKey: req.key, ...data }, update: data });
    },
  };
}

/** Keeps the raw payload (gzip) for replay; the same content under the same request is stored once. */
export async function archive(db: Db, source: string, requestKey: string, body: Buffer, hash: string, fetchedAt: Date): Promise<void> {
  const compressed = await gzip(body);
  await db.$executeRaw`
    INSERT INTO raw_payloads (source, request_key, content_hash, fetched_at, body, size_bytes)
    VALUES (${source}, ${requestKey}, ${hash}, ${fetchedAt}, ${compressed}, ${body.length})
    ON CONFLICT (source, request_key, content_hash) DO NOTHING`;
}

/** Quarantines bad records in one statement; a record seen again bumps its count and last-seen time. */
export async function quarantine(db: Db, records: readonly Quarantined[]): Promise<number> {
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
