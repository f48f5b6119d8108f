// Deterministic arm assignment: the first 32 bits of md5("<test id>:<match id>") modulo 10,000 against the
// treatment's share. md5 because PostgreSQL has it built in: the SQL form (ARM_SQL) tags stored
// predictions with the same arm this function gives, and a match always gets the same arm.
import { createHash } from 'node:crypto';
import { sql, type Fragment } from '../../../src/db/sql.js';

export type Arm = 'control' | 'treatment';
export const BUCKETS = 10_000;

export function bucketOf(testId: number, matchId: number): number {
  return createHash('md5').update(`${testId}:${matchId}`).digest().readUInt32BE(0) % BUCKETS;
}

export function armOf(testId: number, matchId: number, split: number): Arm {
  return bucketOf(testId, matchId) < Math.round(split * BUCKETS) ? 'treatment' : 'control';
}

/** The same bucket in SQL, for expressions over a test id and a match id. */
export const bucketSql = (testId: Fragment, matchId: Fragment) =>
  sql`(('x' || substr(md5(${testId}::text || ':' || ${matchId}::text), 1, 8))::bit(32)::bigint % 10000)`;

export const armSql = (testId: Fragment, matchId: Fragment, split: Fragment) =>
  sql`CASE WHEN ${bucketSql(testId, matchId)} < round(${split} * 10000) THEN 'treatment' ELSE 'control' END`;
