import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabaseFromTemplate, dropDatabase } from '../../src/db/admin.js';
import { takePrefix } from './redis-keys.js';
import { TEST_DATABASE_URL } from './services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop: () => Promise<void>;
}

/** A fresh database cloned from the migrated template; drop it with the returned function. */
export async function cloneTestDatabase(): Promise<TestDatabase> {
  const name = `matchday_test_${randomBytes(5).toString('hex')}`;
  const url = await createDatabaseFromTemplate(TEST_DATABASE_URL, name, inject('templateDatabase'));
  return { url, name, drop: async () => {
    // Connections still closing (a pool ending, a replica exiting) are given a moment before the forced
    // drop terminates them: a client terminated mid-end reports it as an uncaught error.
    const end = Date.now() + 3_000;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    admin.on('error', () => {});
    try {
      await admin.connect();
      while (Date.now() < end && Number((await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0].n) > 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await admin.end().catch(() => {});
    }
    await dropDatabase(TEST_DATABASE_URL, name);
  } };
}

/**
 * A queue prefix of its own per test file, in Redis Cluster hash-tag form to prove braces work. Its keys
 * are deleted after the file (test/support/redis-cleanup.ts).
 */
export const uniquePrefix = () => takePrefix(`{t${randomBytes(4).toString('hex')}}`);
