// Two problems no route schema can be trusted to catch, checked once for every request before its route
// runs (body, query string and path parameters):
// - depth: a 10,000-deep JSON body parses fine, but whatever walks it recursively next (zod on an
//   `unknown` field, BullMQ's JSON.stringify) overflows the stack: a 500. Deeper than MAX_JSON_DEPTH is a 400.
// - NUL characters: PostgreSQL's text and jsonb cannot store them, and any job payload can end up in a
//   jsonb column (dead_letters.payload), so a string or key holding one could never be stored.
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export const MAX_JSON_DEPTH = 32;

type Problem = { field: string; message: string };

/** The first problem found in `value`, walked without recursion (the input may be arbitrarily deep). */
export function inputProblem(value: unknown): Problem | undefined {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    const field = path || '(root)';
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field, message: 'must not contain NUL characters' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field, message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
    for (const [key, child] of Object.entries(v)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { field: childPath, message: 'names must not contain NUL characters' };
      if (typeof child === 'string' || (child !== null && typeof child === 'object')) stack.push({ v: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Fastify preValidation hook: a 400 naming the field. */
export async function guardInput(req: FastifyRequest): Promise<void> {
  for (const [part, value] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
    const problem = inputProblem(value);
    if (problem) throw new HttpError(400, `invalid request ${part}: ${problem.field}: ${problem.message}`, [problem]);
  }
}
