// Whether a database error means "PostgreSQL is unavailable" (down, restarting, unreachable, out of
// connections) rather than "this query is wrong": the first is a 503 and worth a retry, the second a bug.
// Prisma wraps most of them (its code, or the driver adapter's kind and SQLSTATE in `meta`); pg and
// pg-pool's own connection failures reach the caller unwrapped.

/** P1001 can't reach, P1002/P1008 timed out, P1017 server closed the connection, P2024 pool timeout. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/**
 * Connection exceptions, shutdown / crash / start-up, too many connections. Not all of class 08:
 * 08P01 (protocol violation) is what a bad parameter causes.
 */
const SQLSTATES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']);
const PG_CLIENT = /^Connection terminated|timeout exceeded when trying to connect/;

/**
 * What the `sql` executors throw when they cannot reach PostgreSQL at all (refused, reset, unreachable):
 * pg reports those as bare socket errors (ECONNREFUSED …) that say nothing of which service failed.
 */
export class PostgresUnavailableError extends Error {
  override name = 'PostgresUnavailableError';
}

/** A socket-level failure of a pg connection (it has a syscall; a query error has a SQLSTATE instead) as a PostgresUnavailableError. */
export function asPostgresError(err: unknown): unknown {
  const e = err as { syscall?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object' || e instanceof PostgresUnavailableError || typeof e.syscall !== 'string') return err;
  return new PostgresUnavailableError(`PostgreSQL is unavailable: ${String(e.message)}`, { cause: err });
}

export function isPostgresUnavailable(err: unknown): boolean {
  if (err instanceof PostgresUnavailableError) return true;
  const e = err as { name?: string; code?: unknown; message?: string; meta?: { driverAdapterError?: { cause?: { kind?: string; code?: string } } } } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name?.startsWith('PrismaClient')) {
    const cause = e.meta?.driverAdapterError?.cause;
    return PRISMA_CODES.has(String(e.code)) || ADAPTER_KINDS.has(cause?.kind ?? '') || SQLSTATES.has(cause?.code ?? '');
  }
  return SQLSTATES.has(String(e.code)) || PG_CLIENT.test(e.message ?? '');
}
