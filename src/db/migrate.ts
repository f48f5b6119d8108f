// Applies pending migrations from prisma/migrations/ at start-up, as `prisma migrate deploy` would
// (same _prisma_migrations table and checksums), through the WebAssembly schema engine.
// Replicas starting at once are safe: the schema engine holds PostgreSQL advisory lock 72707369 while
// it applies, exactly like the CLI, so the others wait and then find nothing pending.
import pg from 'pg';
import { NO_FILTERS, openSchemaEngine, readMigrations } from './schema-engine.js';

export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  // The usual case (every replica after the first, every restart) has nothing to apply: one cheap query.
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const pending = await pendingMigrations(async (sql) => (await client.query(sql)).rows);
    if (!pending.length) return [];
  } finally {
    await client.end();
  }
  const { engine, close } = await openSchemaEngine(databaseUrl);
  try {
    const migrationsList = await readMigrations();
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return appliedMigrationNames;
  } finally {
    await close();
  }
}

/** The pending migrations of the database a pool connects to (readiness checks). */
export const pendingMigrationsOn = (pool: pg.Pool): Promise<string[]> => pendingMigrations(async (text) => (await pool.query(text)).rows);

/** Names of migrations in prisma/migrations/ not yet recorded as finished in the database. */
export async function pendingMigrations(query: (sql: string) => Promise<{ migration_name: string }[]>): Promise<string[]> {
  const { migrationDirectories } = await readMigrations();
  let applied: Set<string>;
  try {
    const rows = await query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    applied = new Set(rows.map((r) => r.migration_name));
  } catch {
    applied = new Set();
  }
  return migrationDirectories.map((d) => d.path).filter((name) => !applied.has(name));
}
