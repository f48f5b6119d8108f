// The sql template (text and parameters, what it refuses), the schema's identifier list, the time helpers:
// pure code. What PostgreSQL makes of the statements is in test/db/sql.test.ts.
import { describe, expect, it } from 'vitest';
import { schemaIdentifiers } from '../../src/db/identifiers.js';
import { Fragment, sql } from '../../src/db/sql.js';
import { isoDate, parseUtcTimestamp, utc } from '../../src/time.js';

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
