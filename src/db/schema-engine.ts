// Prisma's schema engine, run as WebAssembly: it applies and generates migrations with no native binary
// (the native one cannot be downloaded on offline machines; see README "Database").
// The package's own entry imports the .wasm file as an ES module, which Node 20 rejects, so we
// instantiate it by hand exactly as its generated glue expects.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { ROOT, rootPath } from '../paths.js';

const require = createRequire(import.meta.url);

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg') & {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
};

let gluePromise: Promise<Glue> | undefined;

async function loadGlue(): Promise<Glue> {
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const glue = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as Glue;
  const bytes = await readFile(path.join(dir, 'schema_engine_bg.wasm'));
  // @types/node does not declare the WebAssembly global; it is there at run time.
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<{ instance: { exports: Record<string, unknown> } }> } }).WebAssembly;
  const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/** The data model: a folder of .prisma files, one per area (Prisma's multi-file schema). */
export const SCHEMA_DIR = rootPath('prisma', 'schema');
export const MIGRATIONS_DIR = rootPath('prisma', 'migrations');

/** One file of the schema; `path` is relative to the repository root so engine errors name it plainly. */
export interface SchemaFile {
  path: string;
  content: string;
}

/**
 * Every .prisma file under the schema folder, subfolders included (as `prisma generate` reads it, so the
 * client and the migrations never see different models), sorted by path so the order is stable. A new
 * area is a new file: nothing here lists them.
 */
export async function readSchemaFiles(dir = SCHEMA_DIR): Promise<SchemaFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && path.extname(e.name) === '.prisma')
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  if (!files.length) throw new Error(`no .prisma files in ${dir}`);
  return Promise.all(
    files.map(async (file) => ({ path: path.relative(ROOT, file), content: await readFile(file, 'utf8') })),
  );
}

// PostgreSQL's internal one-byte "char" type (OID 18: pg_class.relkind and friends) is not among the
// types @prisma/adapter-pg converts, so the schema engine's introspection of a live database fails with
// "Column type 'char' could not be deserialized". Its values arrive from pg as strings already; we relabel
// the column as text (OID 25) before the adapter converts the result.
const PG_CHAR = 18;
const PG_TEXT = 25;
type Patchable = { performIO?: (...a: unknown[]) => Promise<{ fields: { dataTypeID: number }[] }>; startTransaction?: (...a: unknown[]) => Promise<unknown> };

function relabelChar<T>(queryable: T): T {
  const q = queryable as Patchable;
  if (q.performIO) {
    const performIO = q.performIO.bind(q);
    q.performIO = async (...args) => {
      const res = await performIO(...args);
      for (const f of res.fields) if (f.dataTypeID === PG_CHAR) f.dataTypeID = PG_TEXT;
      return res;
    };
  }
  if (q.startTransaction) {
    const start = q.startTransaction.bind(q);
    q.startTransaction = async (...args) => relabelChar(await start(...args));
  }
  return queryable;
}

// The schema engine never disposes the adapters it connects, so their pools (and the session-level
// advisory lock it takes while migrating) would outlive it. We keep them and dispose them ourselves.
function introspectionSafeFactory(connectionString: string, opened: Array<{ dispose(): Promise<void> }>) {
  const inner = new PrismaPg({ connectionString });
  const track = <T extends { dispose(): Promise<void> }>(a: T) => (opened.push(a), relabelChar(a));
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => track(await inner.connect()),
    connectToShadowDb: async () => track(await inner.connectToShadowDb()),
  };
}

export interface OpenSchemaEngine {
  engine: SchemaEngine;
  /** Frees the engine and closes every connection it opened. */
  close(): Promise<void>;
}

/** Opens a schema engine bound to one database. Call `close()` when done. */
export async function openSchemaEngine(connectionString: string, schema?: SchemaFile[]): Promise<OpenSchemaEngine> {
  gluePromise ??= loadGlue();
  const glue = await gluePromise;
  // Each file goes to the engine on its own, as Prisma's CLI passes a multi-file schema.
  const datamodels = (schema ?? (await readSchemaFiles())).map((f) => [f.path, f.content]);
  const opened: Array<{ dispose(): Promise<void> }> = [];
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(introspectionSafeFactory(connectionString, opened) as never);
  const engine = await (glue.SchemaEngine as unknown as typeof SchemaEngine & {
    new: (o: unknown, log: (s: string) => void, a: unknown) => Promise<SchemaEngine>;
  }).new({ datamodels }, () => {}, adapterFactory);
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
    },
  };
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** Reads prisma/migrations/ in the shape the engine takes (the same layout `prisma migrate` uses). */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(path.join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
  const lock = await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lock },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}
