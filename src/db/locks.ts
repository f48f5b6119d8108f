// Locks for code that stays on Prisma's model API (low-volume CRUD that needs serialising). Prisma
// runs an interactive transaction on a connection of its own, so the lock has to be taken through it.
import type { Prisma } from './client.js';

/** Holds a PostgreSQL advisory lock named by `key` until the Prisma transaction `tx` ends. */
export async function lockForTransaction(tx: Prisma.TransactionClient, key: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
}
