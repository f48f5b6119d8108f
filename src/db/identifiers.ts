// The identifiers `sql.ident()` accepts: the tables and columns of the Prisma schema (prisma/schema/, the
// one place the schema is declared; a test checks the migrations produce it). Read once at start-up, so
// a name that comes from anywhere else (a payload, a typo) throws instead of reaching PostgreSQL.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rootPath } from '../paths.js';

const MAP = /@map\(\s*"([^"]+)"\s*\)/;

/** Table and column names (as PostgreSQL knows them) declared by a Prisma schema. */
export function schemaIdentifiers(schema: string): { tables: Set<string>; columns: Set<string> } {
  const blocks = [...schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const models = new Set(blocks.map((b) => b[1]!));
  const tables = new Set<string>();
  const columns = new Set<string>();
  for (const [, name, body] of blocks) {
    let table = name!;
    for (const raw of body!.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      if (line.startsWith('@@')) {
        const mapped = /^@@map\(\s*"([^"]+)"\s*\)/.exec(line);
        if (mapped) table = mapped[1]!;
        continue;
      }
      const [field, type] = line.split(/\s+/);
      if (!field || !type) continue;
      // A relation field (its type is another model) has no column of its own.
      if (models.has(type.replace(/[?[\]]/g, ''))) continue;
      columns.add(MAP.exec(line)?.[1] ?? field);
    }
    tables.add(table);
  }
  return { tables, columns };
}

// Every .prisma file of the folder, subfolders included, as one text: a relation may name a model of another file.
const dir = rootPath('prisma', 'schema');
const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.prisma')).sort();
const declared = schemaIdentifiers(files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n'));

/** Every table and column name of the schema. */
export const IDENTIFIERS: ReadonlySet<string> = new Set([...declared.tables, ...declared.columns]);
export const TABLES: ReadonlySet<string> = declared.tables;
