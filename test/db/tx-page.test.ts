// The transaction helper and the keyset pager, on real PostgreSQL.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executor, tx, type Executor, type PoolExecutor } from '../../src/db/executor.js';
import { page, type Cursor } from '../../src/db/page.js';
import { sql } from '../../src/db/sql.js';
import { cloneTestDatabase } from '../support/db.js';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
// One connection: every statement and transaction below shares it, so a setting left behind would show.
let pool: pg.Pool;
let ex: PoolExecutor;

beforeAll(async () => {
  db = await cloneTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  ex = executor(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const competition = (providerId: string) => sql`
  INSERT INTO competitions (provider, provider_id, name, updated_at) VALUES ('tx-test', ${providerId}, ${providerId}, now())`;
const count = async () => (await ex.one<{ n: number }>(sql`SELECT count(*)::int AS n FROM competitions WHERE provider = 'tx-test'`)).n;
const syncCommit = async (e: Executor = ex) => (await e.one<{ s: string }>(sql`SELECT current_setting('synchronous_commit') AS s`)).s;

describe('tx', () => {
  it('commits what fn wrote and returns its result', async () => {
    const before = await count();
    const result = await tx(ex, async (t) => {
      await t.execute(competition('a'));
      await t.execute(competition('b'));
      return 'done';
    });
    expect(result).toBe('done');
    expect(await count()).toBe(before + 2);
  });

  it('rolls back everything when fn throws, rethrows, and gives the connection back', async () => {
    const before = await count();
    // Three in a row on a pool of one: a connection not released would hang the second.
    for (let i = 0; i < 3; i++) {
      await expect(tx(pool, async (t) => {
        await t.execute(competition(`rolled-back-${i}`));
        expect((await t.one<{ n: number }>(sql`SELECT count(*)::int AS n FROM competitions WHERE provider = 'tx-test'`)).n).toBe(before + 1);
        throw new Error('boom');
      })).rejects.toThrow('boom');
    }
    expect(await count()).toBe(before);
    // A statement failing inside rolls back the earlier ones too.
    await expect(tx(ex, async (t) => {
      await t.execute(competition('c'));
      await t.execute(competition('c')); // (provider, provider_id) is unique
    })).rejects.toThrow(/duplicate key/);
    expect(await count()).toBe(before);
  });

  it('durable: false commits without waiting for the WAL flush, for that transaction only', async () => {
    expect(await tx(ex, (t) => syncCommit(t))).toBe('on');
    expect(await tx(ex, (t) => syncCommit(t), { durable: false })).toBe('off');
    // Same (only) connection afterwards: SET LOCAL ended with the transaction.
    expect(await syncCommit()).toBe('on');
    const before = await count();
    await tx(ex, (t) => t.execute(competition('async')), { durable: false });
    expect(await count()).toBe(before + 1);
  });
});

describe('page', () => {
  // 10 payloads whose ids run against their fetch times, three or four sharing each timestamp.
  beforeAll(async () => {
    await ex.execute(sql`
      INSERT INTO raw_payloads (source, request_key, content_hash, fetched_at, body, size_bytes)
      SELECT 'page-test', 'k' || i, 'h' || i, '2026-11-26 18:00:00'::timestamp + ((10 - i) / 3) * interval '1 second', '\\x00'::bytea, 1
      FROM generate_series(1, 10) AS i`);
  });
  const from = sql`SELECT id, request_key, fetched_at FROM raw_payloads WHERE source = ${'page-test'}`;
  const key = [['fetched_at', 'timestamp'], ['id', 'bigint']] as const;
  type Row = { id: string; request_key: string; fetched_at: Date };

  async function all(o: { order?: 'asc' | 'desc'; limit: number; key?: ReadonlyArray<readonly [string, 'timestamp' | 'bigint']> }) {
    const pages: Row[][] = [];
    let after: Cursor | null = null;
    do {
      const got: { rows: Row[]; next: Cursor | null } = await page<Row>(ex, { from, key: o.key ?? key, order: o.order, after, limit: o.limit });
      pages.push(got.rows);
      after = got.next;
    } while (after && pages.length < 20);
    return pages;
  }

  it('walks every row once in key order, across equal timestamps, with no empty last page', async () => {
    const expected = await ex.query<{ id: string }>(sql`SELECT id FROM raw_payloads WHERE source = 'page-test' ORDER BY fetched_at, id`);
    for (const limit of [1, 3, 4, 10]) {
      const pages = await all({ limit });
      expect(pages.flat().map((r) => r.id), `limit ${limit}`).toEqual(expected.map((r) => r.id));
      expect(pages.length).toBe(Math.ceil(10 / limit)); // 10 rows by 10: one page, its `next` null
      expect(pages.every((p) => p.length > 0)).toBe(true);
    }
    // Rows come back as selected: the cursor column is not left on them.
    const [first] = (await page<Row>(ex, { from, key, limit: 1 })).rows;
    expect(Object.keys(first!).sort()).toEqual(['fetched_at', 'id', 'request_key']);
  });

  it('pages newest first with order desc', async () => {
    const expected = await ex.query<{ id: string }>(sql`SELECT id FROM raw_payloads WHERE source = 'page-test' ORDER BY fetched_at DESC, id DESC`);
    expect((await all({ order: 'desc', limit: 3 })).flat().map((r) => r.id)).toEqual(expected.map((r) => r.id));
    const byId = (await all({ order: 'desc', limit: 4, key: [['id', 'bigint']] })).flat().map((r) => Number(r.id));
    expect(byId).toEqual([...byId].sort((a, b) => b - a));
  });

  it('neither skips nor repeats a row when rows arrive between pages', async () => {
    const first = await page<Row>(ex, { from, key, limit: 4 });
    // One row before the cursor (already passed: not seen), one after (seen once).
    await ex.execute(sql`
      INSERT INTO raw_payloads (source, request_key, content_hash, fetched_at, body, size_bytes) VALUES
        ('page-test', 'early', 'e', '2026-11-26 17:00:00', '\\x00'::bytea, 1),
        ('page-test', 'late', 'l', '2026-11-26 19:00:00', '\\x00'::bytea, 1)`);
    const rest: Row[] = [];
    let after = first.next;
    while (after) {
      const got: { rows: Row[]; next: Cursor | null } = await page<Row>(ex, { from, key, after, limit: 4 });
      rest.push(...got.rows);
      after = got.next;
    }
    const seen = [...first.rows, ...rest].map((r) => r.request_key);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain('late');
    expect(seen).not.toContain('early');
    expect(seen).toHaveLength(11);
  });

  it('refuses a cursor that does not fit the key', async () => {
    await expect(page(ex, { from, key, after: ['2026-11-26 18:00:00'], limit: 2 })).rejects.toThrow(/cursor has 1 values for a key of 2/);
    await expect(page(ex, { from, key: [['no_such_column', 'int']], limit: 2 })).rejects.toThrow(/not a table or column/);
  });
});
