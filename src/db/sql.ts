// The one way to write SQL outside Prisma's model API: a tagged template whose interpolated values always
// travel as bind parameters ($1, $2 …), never spliced into the text.
//
//   sql`SELECT id FROM matches WHERE provider = ${provider} AND kickoff >= ${utc(from)}::timestamp`
//
// A fragment interpolated into another is inlined and its parameters renumbered, so statements are
// built from pieces (sql.join, conditional parts with sql.empty). Names that cannot be parameters go
// through sql.ident (tables and columns of the schema only) and sql.typed / sql.array (a fixed set of
// types). There is deliberately no raw-string escape: constants such as ASYNC_COMMIT are templates too.
import { IDENTIFIERS } from './identifiers.js';

const MINT = Symbol('sql fragment');

/** A piece of SQL with its parameters. `text` numbers them from $1; `values` are in the same order. */
export class Fragment {
  #text: string | undefined;
  #values: unknown[] | undefined;

  /**
   * Only this module makes fragments: anything else could smuggle raw text in. `args` may hold nested
   * fragments; they are inlined (and their parameters numbered) once, when the text is first read, so
   * building a statement from many small pieces costs no copying per level.
   */
  constructor(mint: typeof MINT, private readonly parts: readonly string[], private readonly args: readonly unknown[]) {
    if (mint !== MINT) throw new TypeError('fragments are made with the sql`…` tag');
    // Made of text and parameterless pieces only (a column list): its text is final now, and a statement
    // that nests it takes the text as is. Hoisted to module level, such a piece is built once.
    if (args.every((a) => a instanceof Fragment && a.#values?.length === 0)) {
      let text = parts[0]!;
      for (let i = 0; i < args.length; i++) text += (args[i] as Fragment).#text! + parts[i + 1]!;
      this.#text = text;
      this.#values = [];
    }
  }

  get text(): string {
    if (this.#text === undefined) this.#flatten();
    return this.#text!;
  }

  get values(): readonly unknown[] {
    if (this.#values === undefined) this.#flatten();
    return this.#values!;
  }

  #flatten(): void {
    const values: unknown[] = [];
    let text = '';
    const walk = (f: Fragment) => {
      text += f.parts[0]!;
      for (let i = 0; i < f.args.length; i++) {
        const a = f.args[i];
        if (a instanceof Fragment) {
          if (a.#values?.length === 0) text += a.#text!;
          else walk(a);
        } else text += `$${values.push(a)}`;
        text += f.parts[i + 1]!;
      }
    };
    walk(this);
    this.#text = text;
    this.#values = values;
  }
}

const isTemplate = (s: unknown): s is TemplateStringsArray => Array.isArray(s) && Object.isFrozen(s) && Array.isArray((s as unknown as { raw?: unknown }).raw);

const build = (parts: readonly string[], args: readonly unknown[]) => new Fragment(MINT, parts, args);

// A call site passes the same frozen strings every time: each is checked once.
const checked = new WeakSet<TemplateStringsArray>();

function tag(strings: TemplateStringsArray, ...values: unknown[]): Fragment {
  if (!checked.has(strings)) {
    if (!isTemplate(strings)) throw new TypeError('sql is a tagged template: write sql`… ${value} …`, not sql(text)');
    // A literal $1 would collide with the numbering (and means the value was written into the text).
    const numbered = strings.find((s) => /\$\d/.test(s));
    if (numbered !== undefined) throw new TypeError(`sql: write \${value} instead of a numbered parameter in "${numbered.trim()}"`);
    // '${value}' would make the parameter a string literal '$1': the value never reaches the statement.
    for (let i = 1; i < strings.length; i++) {
      if (strings[i - 1]!.endsWith("'") && strings[i]!.startsWith("'")) throw new TypeError(`sql: write \${value} without quotes around it (after "${strings[i - 1]!.trim()}")`);
    }
    checked.add(strings);
  }
  return build(strings, values);
}

/** PostgreSQL types a parameter may be cast to by name (the names are spliced, so they are a fixed list). */
export const SQL_TYPES = ['text', 'int', 'bigint', 'float8', 'numeric', 'bool', 'timestamp', 'timestamptz', 'date', 'jsonb', 'bytea'] as const;
export type SqlType = (typeof SQL_TYPES)[number];
const TYPE_SET: ReadonlySet<string> = new Set(SQL_TYPES);

const fixed = (text: string) => new Fragment(MINT, [text], []);

function checkedType(type: string): string {
  if (!TYPE_SET.has(type)) throw new TypeError(`sql: "${type}" is not one of the parameter types ${SQL_TYPES.join(', ')}`);
  return type;
}

// The loaders name the same few columns on every batch: one fragment per name.
const IDENT_CACHE = new Map<string, Fragment>();
const EMPTY = fixed('');
const COMMA = fixed(', ');

export const sql = Object.assign(tag, {
  /** A table or column of the Prisma schema (prisma/schema/), double-quoted; any other name throws. */
  ident(name: string): Fragment {
    let f = IDENT_CACHE.get(name);
    if (!f) {
      if (!IDENTIFIERS.has(name)) throw new TypeError(`sql.ident: "${name}" is not a table or column of the Prisma schema`);
      IDENT_CACHE.set(name, (f = fixed(`"${name.replace(/"/g, '""')}"`)));
    }
    return f;
  },
  /** The fragments separated by `separator` (a fragment, default `, `); no fragments give sql.empty. */
  join(fragments: readonly Fragment[], separator: Fragment = COMMA): Fragment {
    if (!fragments.length) return EMPTY;
    // Joined as one template of n slots: the parameters are renumbered once, whatever the count.
    const slots: unknown[] = [];
    fragments.forEach((f, i) => {
      if (!(f instanceof Fragment)) throw new TypeError('sql.join takes fragments (sql`…`), not strings');
      if (i) slots.push(separator);
      slots.push(f);
    });
    return build(['', ...slots.map(() => '')], slots);
  },
  /** Column names of the schema as a list, `a, b` or qualified `t.a, t.b` (qualifier: sql`t`, sql.ident(table)). */
  idents(names: readonly string[], qualifier?: Fragment): Fragment {
    return sql.join(names.map((n) => (qualifier ? build(['', '.', ''], [qualifier, sql.ident(n)]) : sql.ident(n))));
  },
  /** `unnest($1::type[], $2::type[] …)`: rows from parallel arrays, the set-based way to insert many rows. */
  unnest(columns: ReadonlyArray<readonly [values: readonly unknown[], type: SqlType]>): Fragment {
    return build(['unnest(', ')'], [sql.join(columns.map(([values, type]) => sql.array(values, type)))]);
  },
  /** One parameter cast to a type named at run time: `$n::type`. */
  typed(value: unknown, type: SqlType): Fragment {
    return new Fragment(MINT, ['', `::${checkedType(type)}`], [value]);
  },
  /** One array parameter (for `unnest(…)` and `= ANY(…)`): `$n::type[]`. */
  array(values: readonly unknown[], type: SqlType): Fragment {
    return new Fragment(MINT, ['', `::${checkedType(type)}[]`], [values]);
  },
  /** Nothing: for the branch of a conditional piece that adds nothing. */
  empty: EMPTY,
});

/**
 * A one-row subquery that turns off the WAL-flush wait for the statement's own transaction: join it
 * into a single statement run outside a transaction block (one round trip instead of BEGIN, SET LOCAL,
 * the statement, COMMIT). `set_config(…, true)` lasts until that implicit transaction commits.
 */
export const ASYNC_COMMIT = sql`SELECT set_config('synchronous_commit', 'off', true)`;
