import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.js';

export function createPool(databaseUrl: string, poolSize = 10): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000 });
}

/** Prisma on the given pool (one pool for Prisma and for plain SQL), or on its own pool from a URL. */
export function createDb(poolOrUrl: pg.Pool | string): Db {
  return new PrismaClient({ adapter: new PrismaPg(typeof poolOrUrl === 'string' ? createPool(poolOrUrl) : poolOrUrl, { disposeExternalPool: false }) });
}
