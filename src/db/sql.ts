// Plain SQL on the pg pool Prisma itself runs on. The bulk, set-based statements of the pipelines go
// through here: Prisma's per-query overhead (its query compiler and result mapping) cost more CPU than
// the statements themselves on the ingestion hot path. The interface is the subset of Prisma's raw API
// the loaders use, so they accept a Prisma transaction as well.
import pg from 'pg';

export interface Sql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

// bigint ids (BIGSERIAL) arrive as strings: callers convert with BigInt()/Number() where they need to.
function over(q: Pick<pg.Pool, 'query'> | pg.PoolClient): Sql {
  return {
    async $queryRawUnsafe<T>(query: string, ...values: unknown[]) {
      return (await q.query(query, values)).rows as T;
    },
    async $executeRawUnsafe(query: string, ...values: unknown[]) {
      return (await q.query(query, values)).rowCount ?? 0;
    },
  };
}

export const pgSql = (pool: pg.Pool): Sql => over(pool);

/**
 * A one-row subquery that turns off the WAL-flush wait for the statement's own transaction: join it
 * into a single statement run outside a transaction block (one round trip instead of BEGIN, SET LOCAL,
 * the statement, COMMIT). `set_config(…, true)` lasts until that implicit transaction commits.
 */
export const ASYNC_COMMIT = `SELECT set_config('synchronous_commit', 'off', true)`;

/**
 * Runs `fn` in one transaction on one connection; rolls back if it throws. `durable: false` commits
 * without waiting for the WAL flush (synchronous_commit off): for data that can be fetched again, where
 * a crash may lose the last moments of commits but never consistency — WAL order keeps a later commit
 * (a feed's cursor) from surviving an earlier one (its data).
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (tx: Sql) => Promise<T>, o: { durable?: boolean } = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(o.durable === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
    const result = await fn(over(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
