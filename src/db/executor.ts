// Runs `sql` fragments on plain pg: a pool (each statement on any free connection) or one transaction's
// connection. The bulk, set-based statements of the pipelines go through here rather than Prisma: its
// per-query overhead (query compiler, result mapping) cost more CPU than the statements themselves on the
// ingestion and prediction hot paths.
import pg from 'pg';
import { parseUtcTimestamp } from '../time.js';
import { asPostgresError } from './errors.js';
import type { Fragment } from './sql.js';

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * A prepared statement's name: each connection parses and plans the text once, then only binds. For
   * hot statements whose text never changes (the parameters carry everything, arrays included); one name
   * per text.
   */
  prepare?: string;
}

export interface Executor {
  /** All rows. bigint (BIGSERIAL, count(*)) arrives as a string: convert with Number()/BigInt(). */
  query<T = Row>(q: Fragment, o?: QueryOptions): Promise<T[]>;
  /** Exactly one row; none or several throw. */
  one<T = Row>(q: Fragment): Promise<T>;
  /** The row, or null when there is none; several throw. */
  maybeOne<T = Row>(q: Fragment): Promise<T | null>;
  /** The number of rows the statement wrote (or returned). */
  execute(q: Fragment): Promise<number>;
}

/** An executor over a pool: transactions start from it (`tx`). */
export interface PoolExecutor extends Executor {
  readonly pool: pg.Pool;
}

const TIMESTAMP = 1114;
// pg reads `timestamp without time zone` as the process's local time; ours hold UTC (as Prisma reads them).
const TYPES = {
  getTypeParser: (oid: number, format?: string) =>
    oid === TIMESTAMP && format !== 'binary' ? parseUtcTimestamp : pg.types.getTypeParser(oid, (format ?? 'text') as 'text'),
};

function over(on: pg.Pool | pg.PoolClient): Executor {
  const run = (q: Fragment, name?: string) => on.query({ text: q.text, values: q.values as unknown[], types: TYPES, ...(name ? { name } : {}) }).catch((err: unknown) => Promise.reject(asPostgresError(err)));
  const at = (q: Fragment) => q.text.replace(/\s+/g, ' ').trim().slice(0, 80);
  return {
    async query<T>(q: Fragment, o?: QueryOptions) {
      return (await run(q, o?.prepare)).rows as T[];
    },
    async one<T>(q: Fragment) {
      const { rows } = await run(q);
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${at(q)}`);
      return rows[0] as T;
    },
    async maybeOne<T>(q: Fragment) {
      const { rows } = await run(q);
      if (rows.length > 1) throw new Error(`expected at most one row, got ${rows.length}: ${at(q)}`);
      return (rows[0] as T | undefined) ?? null;
    },
    async execute(q: Fragment) {
      return (await run(q)).rowCount ?? 0;
    },
  };
}

export function executor(pool: pg.Pool): PoolExecutor {
  return { ...over(pool), pool };
}

/**
 * Runs `fn` in one transaction on one connection; rolls back if it throws. `durable: false` commits
 * without waiting for the WAL flush (synchronous_commit off): for data that can be fetched again, where
 * a crash may lose the last moments of commits but never consistency — WAL order keeps a later commit
 * (a feed's cursor) from surviving an earlier one (its data).
 */
export async function tx<T>(on: PoolExecutor | pg.Pool, fn: (tx: Executor) => Promise<T>, o: { durable?: boolean } = {}): Promise<T> {
  const client = await ('pool' in on ? on.pool : on).connect().catch((err: unknown) => Promise.reject(asPostgresError(err)));
  try {
    // One round trip for both: SET LOCAL lasts until this transaction ends.
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
