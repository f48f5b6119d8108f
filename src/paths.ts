// The repository root, found the same way from sources (src/) and compiled code (dist/src/): the first
// folder above holding the schema folder's main file (generator and datasource).
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'prisma', 'schema', 'schema.prisma'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${start}`);
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot(import.meta.dirname);
export const rootPath = (...parts: string[]): string => path.join(ROOT, ...parts);
