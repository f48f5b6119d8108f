// Database-level housekeeping that needs a connection to the server rather than to our database:
// creating the database on first start, and scratch/template databases for migration tooling and tests.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  return name;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

async function withServer<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // The maintenance database always exists on a PostgreSQL server.
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` if it does not exist. Safe when several replicas start at once. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withServer(url, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database / 23505: another replica created it between our check and our CREATE.
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
  });
}

export async function createDatabaseFromTemplate(url: string, name: string, template: string): Promise<string> {
  await withServer(url, async (c) => {
    // PostgreSQL copies a template only while nobody is connected to it; pools that were closed a
    // moment ago may still hold a backend open.
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [template]);
    await c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
  });
  return withDatabase(url, name);
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await withServer(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Runs `fn` against a fresh empty database that is dropped afterwards. */
export async function withScratchDatabase<T>(url: string, fn: (scratchUrl: string) => Promise<T>): Promise<T> {
  const name = `scratch_${randomBytes(6).toString('hex')}`;
  await withServer(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  try {
    return await fn(withDatabase(url, name));
  } finally {
    await dropDatabase(url, name);
  }
}
