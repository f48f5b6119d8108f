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
  return { url, name, drop: () => dropDatabase(TEST_DATABASE_URL, name) };
}

/**
 * A queue prefix of its own per test file, in Redis Cluster hash-tag form to prove braces work. Its keys
 * are deleted after the file (test/support/redis-cleanup.ts).
 */
export const uniquePrefix = () => takePrefix(`{t${randomBytes(4).toString('hex')}}`);
