import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.js';

export interface PoolOptions {
  /** PostgreSQL cancels any statement on these connections that runs longer (0 = never). */
  statementTimeoutMs?: number;
  /** Shows in pg_stat_activity, to tell the pools apart. */
  applicationName?: string;
}

export function createPool(databaseUrl: string, poolSize = 10, o: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000,
    ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
    ...(o.applicationName ? { application_name: o.applicationName } : {}),
  });
  // The pool's own 'error' event covers idle clients only. A client that is checked out or ending when
  // the server drops it (a restart, an admin terminating it, a shutdown step that gave up) emits
  // 'error' on itself; with no listener that would crash the process. Its queries fail on their own.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Prisma on the given pool (one pool for Prisma and for plain SQL), or on its own pool from a URL. */
export function createDb(poolOrUrl: pg.Pool | string): Db {
  return new PrismaClient({ adapter: new PrismaPg(typeof poolOrUrl === 'string' ? createPool(poolOrUrl) : poolOrUrl, { disposeExternalPool: false }) });
}
