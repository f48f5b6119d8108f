// The sql template: what text and parameters it produces, what it refuses, and that PostgreSQL reads the
// result as intended (real database: arrays, nesting, identifiers, timestamps).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUnavailable, PostgresUnavailableError } from '../../src/db/errors.js';
import { executor, tx, type PoolExecutor } from '../../src/db/executor.js';
import { IDENTIFIERS, schemaIdentifiers, TABLES } from '../../src/db/identifiers.js';
import { Fragment, sql } from '../../src/db/sql.js';
import { isoDate, parseUtcTimestamp, utc } from '../../src/time.js';
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

describe('the sql template', () => {
  it('makes every interpolated value a numbered parameter, never text', () => {
    const evil = "x'); DROP TABLE matches; --";
    const q = sql`SELECT id FROM matches WHERE provider = ${evil} AND kickoff >= ${'2026-01-01'}::timestamp LIMIT ${5}`;
    expect(q.text).toBe('SELECT id FROM matches WHERE provider = $1 AND kickoff >= $2::timestamp LIMIT $3');
    expect(q.values).toEqual([evil, '2026-01-01', 5]);
  });

  it('inlines nested fragments and renumbers their parameters', () => {
    const inner = sql`status = ${'LIVE'} AND minute > ${45}`;
    const q = sql`SELECT ${1} WHERE ${inner} AND id = ${7} OR (${sql`provider = ${'espn'}`})`;
    expect(q.text).toBe('SELECT $1 WHERE status = $2 AND minute > $3 AND id = $4 OR (provider = $5)');
    expect(q.values).toEqual([1, 'LIVE', 45, 7, 'espn']);
    // The inner fragment is unchanged: fragments are values, reusable anywhere.
    expect(inner.text).toBe('status = $1 AND minute > $2');
  });

  it('joins fragments with a separator, and nothing to join gives nothing', () => {
    const parts = [sql`a = ${1}`, sql`b = ${2}`, sql`c IS NULL`];
    expect(sql.join(parts).text).toBe('a = $1, b = $2, c IS NULL');
    const q = sql`SELECT 1 WHERE ${sql.join(parts, sql` AND `)} AND d = ${3}`;
    expect(q.text).toBe('SELECT 1 WHERE a = $1 AND b = $2 AND c IS NULL AND d = $3');
    expect(q.values).toEqual([1, 2, 3]);
    expect(sql.join([]).text).toBe('');
    expect(sql`x${sql.empty}y`.text).toBe('xy');
  });

  it('passes an array as one parameter, typed for unnest and ANY', () => {
    const q = sql`SELECT * FROM ${sql.unnest([[[1, 2], 'int'], [['a', null], 'text']])} AS t(n, s) WHERE n = ANY(${sql.array([1], 'int')})`;
    expect(q.text).toBe('SELECT * FROM unnest($1::int[], $2::text[]) AS t(n, s) WHERE n = ANY($3::int[])');
    expect(q.values).toEqual([[1, 2], ['a', null], [1]]);
    expect(sql`${sql.typed('7', 'bigint')}`.text).toBe('$1::bigint');
  });

  it('quotes identifiers of the schema and refuses any other name', () => {
    expect(sql`SELECT ${sql.ident('provider_id')} FROM ${sql.ident('matches')}`.text).toBe('SELECT "provider_id" FROM "matches"');
    expect(sql.idents(['home_score', 'away_score'], sql`m`).text).toBe('m."home_score", m."away_score"');
    expect(sql.idents(['home_score'], sql.ident('matches')).text).toBe('"matches"."home_score"');
    for (const bad of ['nope', 'matches; DROP TABLE teams', 'provider_id"', 'Matches', '']) {
      expect(() => sql.ident(bad), bad).toThrow(/is not a table or column of the Prisma schema/);
    }
  });

  it('casts only to the listed types', () => {
    expect(() => sql.typed(1, 'int; DROP TABLE matches' as never)).toThrow(/is not one of the parameter types/);
    expect(() => sql.array([1], 'regclass' as never)).toThrow(/is not one of the parameter types/);
  });

  it('has no way in for raw text', () => {
    expect(() => (sql as unknown as (s: string[]) => Fragment)(['SELECT 1'])).toThrow(/tagged template/);
    expect(() => new (Fragment as unknown as new (...a: unknown[]) => Fragment)(Symbol('sql fragment'), ['DROP TABLE matches'], [])).toThrow(/sql`…` tag/);
    expect(() => sql.join(['DROP TABLE matches' as unknown as Fragment])).toThrow(/takes fragments/);
    expect(() => sql`SELECT $1`).toThrow(/instead of a numbered parameter/);
    expect(() => sql`SELECT id FROM teams WHERE name = '${'Arsenal'}'`).toThrow(/without quotes/);
  });
});

describe('the identifier whitelist', () => {
  it('is the tables and columns of the migrated database, relation fields left out', async () => {
    const rows = await ex.query<{ table_name: string; column_name: string }>(sql`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    expect([...TABLES].sort()).toEqual([...new Set(rows.map((r) => r.table_name))].sort());
    expect([...IDENTIFIERS].sort()).toEqual([...new Set([...rows.map((r) => r.table_name), ...rows.map((r) => r.column_name)])].sort());
  });

  it('reads @map, @@map and comments, and skips relation fields', () => {
    const ids = schemaIdentifiers(`
model Team {
  id       Int     @id // the key
  shortName String? @map("short_name")
  matches  Match[]
  @@map("teams")
}
/// a doc comment
model Match {
  id     Int  @id
  home   Team @relation(fields: [homeId], references: [id])
  homeId Int  @map("home_id")
}
enum Status {
  LIVE
}`);
    expect([...ids.tables].sort()).toEqual(['Match', 'teams']);
    expect([...ids.columns].sort()).toEqual(['home_id', 'id', 'short_name']);
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

describe('time helpers', () => {
  it('write and read UTC wall time', () => {
    const at = new Date('2026-11-26T18:25:00.042Z');
    expect(utc(at)).toBe('2026-11-26T18:25:00.042');
    expect(utc(at.getTime())).toBe('2026-11-26T18:25:00.042');
    expect(utc(null)).toBeNull();
    expect(isoDate(at)).toBe('2026-11-26');
    expect(parseUtcTimestamp('2026-11-26 18:25:00.042').toISOString()).toBe(at.toISOString());
  });
});
