// Runs once per `npm test`: makes sure Redis and PostgreSQL answer, then builds a migrated template
// database that every test file clones (CREATE DATABASE … TEMPLATE is a file copy: milliseconds).
import { Redis } from 'ioredis';
import { createDatabaseFromTemplate, dropDatabase, ensureDatabase, withDatabase } from '../../src/db/admin.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL, templateName } from './services.js';

export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis does not answer at ${TEST_REDIS_URL} (${(err as Error).message}); start it (see README "Tests")`);
  } finally {
    redis.disconnect();
  }
  const template = templateName();
  const buildUrl = withDatabase(TEST_DATABASE_URL, `${template}_build`);
  await dropDatabase(TEST_DATABASE_URL, `${template}_build`);
  await ensureDatabase(buildUrl);
  await applyMigrations(buildUrl);
  // Publish the template under its final name only once it is complete.
  await dropDatabase(TEST_DATABASE_URL, template);
  await createDatabaseFromTemplate(TEST_DATABASE_URL, template, `${template}_build`);
  await dropDatabase(TEST_DATABASE_URL, `${template}_build`);
  provide('templateDatabase', template);
  return async () => {
    await dropDatabase(TEST_DATABASE_URL, template);
  };
}
