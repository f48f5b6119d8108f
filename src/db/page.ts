// Keyset paging: each page continues after the last row of the previous one by a unique ordering key
// (e.g. fetch time, then id), so rows inserted or deleted meanwhile never make a page skip or repeat one,
// rows sharing a timestamp included, and page 1,000 costs what page 1 costs (no OFFSET).
import type { Executor, Row } from './executor.js';
import { sql, type Fragment, type SqlType } from './sql.js';

/** The key of the last row of a page, as PostgreSQL prints each key column (exact, whatever its type). */
export type Cursor = readonly string[];

export interface PageOptions {
  /** The rows to page: a SELECT whose output includes the key columns under their own names. */
  from: Fragment;
  /** A unique ordering, most significant first: a column of the schema and its type. */
  key: ReadonlyArray<readonly [column: string, type: SqlType]>;
  /** `desc`: newest first (then `after` reads "older than"). */
  order?: 'asc' | 'desc';
  /** The previous page's `next`; absent for the first page. */
  after?: Cursor | null;
  limit: number;
}

export interface Page<T> {
  rows: T[];
  /** Where the next page starts; null when this page is the last. */
  next: Cursor | null;
}

const CURSOR = 'page_cursor';

export async function page<T = Row>(ex: Executor, o: PageOptions): Promise<Page<T>> {
  if (!o.key.length) throw new Error('page: the key needs at least one column');
  if (o.after && o.after.length !== o.key.length) throw new Error(`page: the cursor has ${o.after.length} values for a key of ${o.key.length} columns`);
  const desc = o.order === 'desc';
  const cols = o.key.map(([c]) => sql`p.${sql.ident(c)}`);
  // One row comparison, so PostgreSQL can seek an index on the key instead of filtering.
  const after = o.after
    ? sql`WHERE (${sql.join(cols)}) ${desc ? sql`<` : sql`>`} (${sql.join(o.key.map(([, type], i) => sql.typed(o.after![i], type)))})`
    : sql.empty;
  const direction = desc ? sql`DESC` : sql`ASC`;
  // One row more than asked says whether another page follows, without an empty last round trip.
  const rows = await ex.query<Row>(sql`
    SELECT p.*, ARRAY[${sql.join(cols.map((c) => sql`${c}::text`))}] AS page_cursor
    FROM (${o.from}) AS p ${after}
    ORDER BY ${sql.join(cols.map((c) => sql`${c} ${direction}`))}
    LIMIT ${o.limit + 1}`);
  const more = rows.length > o.limit;
  if (more) rows.pop();
  const last = rows.at(-1)?.[CURSOR] as string[] | undefined;
  for (const r of rows) delete r[CURSOR];
  return { rows: rows as T[], next: more && last ? last : null };
}
