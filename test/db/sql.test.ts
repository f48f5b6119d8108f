// What PostgreSQL makes of the sql template's statements (arrays, nesting, identifiers, timestamps) and
// what the executors answer. The template itself is unit-tested in test/unit/sql.test.ts.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUnavailable, PostgresUnavailableError } from '../../src/db/errors.js';
import { executor, tx, type PoolExecutor } from '../../src/db/executor.js';
import { IDENTIFIERS, TABLES } from '../../src/db/identifiers.js';
import { sql } from '../../src/db/sql.js';
import { utc } from '../../src/time.js';
import { cloneTestDatabase } from '../support/db.js';

let db: Awaited<ReturnType<typeof cloneTestDatabase>>;
let pool: pg.Pool;
let ex: PoolExecutor;

beforeAll(async () => {
  db = await cloneTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  ex = executor(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('the identifier whitelist', () => {
  it('is the tables and columns of the migrated database, relation fields left out', async () => {
    const rows = await ex.query<{ table_name: string; column_name: string }>(sql`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    expect([...TABLES].sort()).toEqual([...new Set(rows.map((r) => r.table_name))].sort());
    expect([...IDENTIFIERS].sort()).toEqual([...new Set([...rows.map((r) => r.table_name), ...rows.map((r) => r.column_name)])].sort());
  });
});

describe('on PostgreSQL', () => {
  it('round-trips arrays through unnest, and nested fragments through one statement', async () => {
    const teams = ['a', "b'c", null];
    const rows = await ex.query<{ n: number; s: string | null }>(sql`
      SELECT n, s FROM ${sql.unnest([[[1, 2, 3], 'int'], [teams, 'text']])} AS t(n, s)
      WHERE ${sql.join([sql`n >= ${1}`, sql`n <= ${3}`], sql` AND `)} ORDER BY n`);
    expect(rows).toEqual([{ n: 1, s: 'a' }, { n: 2, s: "b'c" }, { n: 3, s: null }]);
  });

  it('answers one, maybeOne and execute with what they promise', async () => {
    expect(await ex.one<{ x: number }>(sql`SELECT ${41}::int + 1 AS x`)).toEqual({ x: 42 });
    await expect(ex.one(sql`SELECT 1 WHERE false`)).rejects.toThrow(/expected one row, got 0/);
    await expect(ex.one(sql`SELECT generate_series(1, 2)`)).rejects.toThrow(/expected one row, got 2/);
    expect(await ex.maybeOne(sql`SELECT 1 WHERE false`)).toBeNull();
    await expect(ex.maybeOne(sql`SELECT generate_series(1, 2)`)).rejects.toThrow(/at most one row, got 2/);
    await ex.execute(sql`INSERT INTO competitions (provider, provider_id, slug, name, updated_at) VALUES ('t', '1', 's1', 'One', now()), ('t', '2', 's2', 'Two', now())`);
    expect(await ex.execute(sql`UPDATE competitions SET name = name || ${'!'} WHERE provider = ${'t'}`)).toBe(2);
  });

  it('reports an unreachable server as PostgreSQL unavailable, and a bad query as itself', async () => {
    const nowhere = new pg.Pool({ connectionString: 'postgresql://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 });
    try {
      const err = await executor(nowhere).query(sql`SELECT 1`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PostgresUnavailableError);
      expect(isPostgresUnavailable(err)).toBe(true);
      const txErr = await tx(nowhere, async () => 1).catch((e: unknown) => e);
      expect(isPostgresUnavailable(txErr)).toBe(true);
    } finally {
      await nowhere.end();
    }
    const bad = await ex.query(sql`SELECT * FROM no_such_table`).catch((e: unknown) => e);
    expect(isPostgresUnavailable(bad)).toBe(false);
    expect((bad as Error).message).toMatch(/relation "no_such_table" does not exist/);
  });

  it('reads timestamp columns as UTC whatever the process time zone', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const { at } = await ex.one<{ at: Date }>(sql`SELECT ${utc(new Date('2026-07-11T21:39:05.123Z'))}::timestamp AS at`);
      expect(at.toISOString()).toBe('2026-07-11T21:39:05.123Z');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});
