import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase, ensureDatabase, withDatabase } from '../src/db/admin.js';
import { applyMigrations } from '../src/db/migrate.js';
import { ROOT } from '../src/paths.js';
import { NO_FILTERS, openSchemaEngine, readSchemaFiles, SCHEMA_DIR, type SchemaFile } from '../src/db/schema-engine.js';
import { TEST_DATABASE_URL } from './support/services.js';

const name = `matchday_mig_${process.pid}_${Date.now()}`;
const url = withDatabase(TEST_DATABASE_URL, name);
afterAll(() => dropDatabase(TEST_DATABASE_URL, name));

/** The .prisma files under `dir`, relative to it, sorted. */
async function prismaFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.prisma')).sort();
}

/** The SQL that takes the migrated database to `schema` ('-- This is an empty migration.' when equal). */
async function diffAgainstDatabase(schema: SchemaFile[]): Promise<string> {
  const { engine, close } = await openSchemaEngine(url, schema);
  try {
    const res = await engine.diff({
      from: { tag: 'schemaDatasource', files: schema, configDir: '.' },
      to: { tag: 'schemaDatamodel', files: schema },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    } as never);
    return (res.stdout ?? '').trim();
  } finally {
    await close();
  }
}

describe('migrations', () => {
  it('creates a missing database once, even when replicas race', async () => {
    const created = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await ensureDatabase(url)).toBe(false);
  });

  it('applies every migration once when three replicas start together', async () => {
    const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
    const applied = results.flat();
    expect(new Set(applied).size).toBe(applied.length);
    expect(applied.length).toBeGreaterThan(0);
    expect(await applyMigrations(url)).toEqual([]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query('SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL');
    await c.end();
    expect(rows.map((r) => r.migration_name).sort()).toEqual([...applied].sort());
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
  });

  it('produces exactly the schema of the prisma/schema/ folder, every area file of it (empty diff)', async () => {
    const schema = await readSchemaFiles();
    // The engine is given the files one by one, all of them: the generator's file and the areas.
    expect(schema.map((f) => path.relative(SCHEMA_DIR, path.join(ROOT, f.path)))).toEqual(await prismaFilesIn(SCHEMA_DIR));
    expect(schema.length).toBeGreaterThan(1);
    expect(await diffAgainstDatabase(schema)).toBe('-- This is an empty migration.');
  });

  it('reads every .prisma file of the folder, subfolders too, so a new area file needs no code change', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'matchday-schema-'));
    try {
      await cp(SCHEMA_DIR, dir, { recursive: true });
      await mkdir(path.join(dir, 'later'));
      await writeFile(path.join(dir, 'later', 'social.prisma'), 'model Follow {\n  id Int @id\n\n  @@map("follows")\n}\n');
      await writeFile(path.join(dir, 'notes.txt'), 'not a schema file');
      const schema = await readSchemaFiles(dir);
      const expected = [...(await prismaFilesIn(SCHEMA_DIR)), path.join('later', 'social.prisma')].sort();
      expect(schema.map((f) => path.relative(dir, path.join(ROOT, f.path)))).toEqual(expected);
      // The engine gets the new file with the others: the migrated database lacks exactly its table.
      const sql = await diffAgainstDatabase(schema);
      expect(sql).toContain('CREATE TABLE "follows"');
      expect(sql).not.toMatch(/DROP|ALTER/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
