// Chunked fan-out over an audience's key range. The plan (the chunks' key bounds) is computed once, in
// SQL, and stored with the fan-out, so a retried event or a restarted worker resumes the same chunks;
// each chunk is one INSERT … SELECT (notify.ts) and its checkpoint, committed together. Recipients are
// never loaded into Node: a chunk is a key range, and PostgreSQL selects and filters its rows.
import { tx, type Executor, type PoolExecutor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import { notifyAudience, NOW, type NotificationSpec, type Written } from './notify.js';

/** Who an audience is: the rows of `table` whose `source` column is the fan-out's source id, keyed by `key`. */
const AUDIENCES = {
  followers: { table: 'user_follows', key: 'follower_id', source: 'followee_id', extra: sql`'{}'::jsonb` },
  'team-followers': { table: 'team_follows', key: 'user_id', source: 'team_id', extra: sql`'{}'::jsonb` },
  // A settled pick tells its user whether they were right.
  pickers: {
    table: 'user_predictions', key: 'user_id', source: 'match_id',
    extra: sql`jsonb_build_object('pick', jsonb_build_object('home', s.home_score, 'away', s.away_score), 'correct', s.outcome_correct, 'exactScore', s.exact_score, 'points', s.points)`,
  },
} as const;

export type Audience = keyof typeof AUDIENCES;

export interface FanoutSpec extends NotificationSpec {
  id: string;
  audience: Audience;
  sourceId: number;
}

export interface Plan {
  id: string;
  chunks: number;
  recipients: number;
  /** False when the fan-out was planned before (a repeated event): its plan is reused as it was. */
  created: boolean;
}

function rangeAudience(a: Audience, sourceId: number, fromKey: number, toKey: number) {
  const { table, key, source, extra } = AUDIENCES[a];
  return sql`SELECT s.${sql.ident(key)} AS recipient, ${extra} AS extra FROM ${sql.ident(table)} s
    WHERE s.${sql.ident(source)} = ${sourceId} AND s.${sql.ident(key)} > ${fromKey} AND s.${sql.ident(key)} <= ${toKey}`;
}

/**
 * Plans a fan-out once: its row and its chunks, `chunkSize` recipients each, bounded by the keys found
 * at every chunkSize-th recipient. A second call (a repeated event) returns the stored plan.
 */
export async function planFanout(db: PoolExecutor, spec: FanoutSpec, chunkSize: number): Promise<Plan> {
  return tx(db, async (t) => {
    const fresh = await t.maybeOne(sql`
      INSERT INTO fanouts (id, audience, source_id, type, actor_id, subject_type, subject_id, dedupe_key, payload, feed_post_id, chunks, recipients, created_at)
      VALUES (${spec.id}, ${spec.audience}, ${spec.sourceId}, ${spec.type}, ${spec.actorId}::int, ${spec.subjectType}::text, ${spec.subjectId}::int,
              ${spec.dedupeKey}, ${JSON.stringify(spec.payload)}::jsonb, ${spec.feedPostId}::int, 0, 0, ${NOW})
      ON CONFLICT (id) DO NOTHING RETURNING id`);
    if (!fresh) {
      const old = await t.one<{ chunks: number; recipients: number }>(sql`SELECT chunks, recipients FROM fanouts WHERE id = ${spec.id}`);
      return { id: spec.id, chunks: old.chunks, recipients: old.recipients, created: false };
    }
    const { table, key, source } = AUDIENCES[spec.audience];
    const planned = await t.one<{ chunks: number; recipients: number }>(sql`
      WITH s AS (
        SELECT x.${sql.ident(key)} AS k, row_number() OVER (ORDER BY x.${sql.ident(key)}) AS rn, count(*) OVER () AS total
        FROM ${sql.ident(table)} x WHERE x.${sql.ident(source)} = ${spec.sourceId}
      ),
      b AS (SELECT k, total FROM s WHERE rn % ${chunkSize} = 0 OR rn = total),
      ins AS (
        INSERT INTO fanout_chunks (fanout_id, chunk_no, from_key, to_key)
        SELECT ${spec.id}, (row_number() OVER (ORDER BY k) - 1)::int, coalesce(lag(k) OVER (ORDER BY k), 0), k FROM b
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM ins)::int AS chunks, coalesce((SELECT max(total) FROM b), 0)::int AS recipients`);
    await t.execute(sql`UPDATE fanouts SET chunks = ${planned.chunks}, recipients = ${planned.recipients} WHERE id = ${spec.id}`);
    return { id: spec.id, ...planned, created: true };
  });
}

interface FanoutRow {
  audience: Audience;
  source_id: number;
  type: string;
  actor_id: number | null;
  subject_type: string | null;
  subject_id: number | null;
  dedupe_key: string;
  payload: Record<string, unknown>;
  feed_post_id: number | null;
  chunks: number;
}

export interface ChunkResult extends Written {
  /** The chunk had committed before (a retried or recovered job): nothing was written or emitted. */
  skipped: boolean;
  chunks: number;
}

/**
 * Runs one chunk: its row is locked first, so a second worker on the same chunk (a stalled job recovered
 * while the first still runs) waits and then finds the checkpoint. Rows and checkpoint commit together:
 * a worker killed mid-chunk leaves nothing of it, and the retry writes it all.
 */
export async function runChunk(db: PoolExecutor, fanoutId: string, chunkNo: number): Promise<ChunkResult> {
  return tx(db, async (t) => {
    const chunk = await t.maybeOne<{ from_key: number; to_key: number; done_at: Date | null }>(
      sql`SELECT from_key, to_key, done_at FROM fanout_chunks WHERE fanout_id = ${fanoutId} AND chunk_no = ${chunkNo} FOR UPDATE`,
    );
    if (!chunk) throw new NonRetryableError(`fan-out ${fanoutId} has no chunk ${chunkNo}`);
    const f = await t.one<FanoutRow>(sql`SELECT audience, source_id, type, actor_id, subject_type, subject_id, dedupe_key, payload, feed_post_id, chunks FROM fanouts WHERE id = ${fanoutId}`);
    if (chunk.done_at) return { skipped: true, inserted: 0, feed: 0, groups: [], chunks: f.chunks };
    const spec: NotificationSpec = {
      type: f.type, actorId: f.actor_id, subjectType: f.subject_type, subjectId: f.subject_id, dedupeKey: f.dedupe_key, payload: f.payload, feedPostId: f.feed_post_id,
    };
    // A post deleted while its fan-out runs reaches nobody further (feeds and notifications).
    const withdrawn = f.subject_type === 'post' && f.subject_id !== null && !(await t.maybeOne(sql`SELECT 1 FROM posts WHERE id = ${f.subject_id} AND deleted_at IS NULL`));
    const written = withdrawn
      ? { inserted: 0, feed: 0, groups: [] }
      : await notifyAudience(t, spec, rangeAudience(f.audience, f.source_id, chunk.from_key, chunk.to_key));
    await t.execute(sql`UPDATE fanout_chunks SET done_at = ${NOW}, inserted = ${written.inserted}, feed = ${written.feed}
      WHERE fanout_id = ${fanoutId} AND chunk_no = ${chunkNo}`);
    return { ...written, skipped: false, chunks: f.chunks };
  });
}

/** Marks a fan-out complete once every chunk has its checkpoint; returns its totals. */
export async function completeFanout(db: Executor, fanoutId: string) {
  return db.one<{ chunks: number; done: number; inserted: number; feed: number }>(sql`
    WITH c AS (SELECT count(*)::int AS chunks, count(done_at)::int AS done, coalesce(sum(inserted), 0)::int AS inserted, coalesce(sum(feed), 0)::int AS feed
               FROM fanout_chunks WHERE fanout_id = ${fanoutId}),
    u AS (UPDATE fanouts SET completed_at = coalesce(completed_at, ${NOW}) WHERE id = ${fanoutId} AND (SELECT chunks = done FROM c) RETURNING 1)
    SELECT c.*, (SELECT count(*) FROM u)::int AS marked FROM c`);
}
