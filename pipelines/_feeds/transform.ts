// The contract every feed transform honours: one bad record never sinks a batch, and it never vanishes
// either. It comes back in `quarantined` with enough context (raw payload, key, reason) to inspect and
// re-drive it later.
import type { z } from 'zod';

export interface Quarantined {
  source: string;
  recordKey: string;
  raw: unknown;
  error: string;
}

export interface TransformResult<T> {
  records: T[];
  quarantined: Quarantined[];
}

export function emptyResult<T>(): TransformResult<T> {
  return { records: [], quarantined: [] };
}

/** Zod issues as one line: `competitors.0.score: Invalid input; date: not a date`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((p) => String(p)).join('.');
      return `${path === '' ? '(root)' : path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validates (and, through the schema's transforms, normalises) every raw record on its own.
 * `keyOf` must cope with garbage: it sees the raw value before validation, which is exactly when a
 * stable key matters most. Without one the position in the batch is used.
 */
export function validateRecords<T>(
  source: string,
  raws: readonly unknown[],
  schema: z.ZodType<T>,
  keyOf: (raw: unknown, index: number) => string | undefined,
): TransformResult<T> {
  const result = emptyResult<T>();
  raws.forEach((raw, index) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) {
      result.records.push(parsed.data);
    } else {
      result.quarantined.push({
        source,
        recordKey: safeKey(() => keyOf(raw, index)) ?? `#${index}`,
        raw,
        error: formatIssues(parsed.error),
      });
    }
  });
  return result;
}

export function quarantineOne(source: string, recordKey: string, raw: unknown, error: string): Quarantined {
  return { source, recordKey, raw, error };
}

/** Merges results of sub-batches (e.g. one per league) keeping their order. */
/** Reads `obj[key]` from an unknown value without trusting its shape. */
export function prop(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/** A key candidate as a string, only when it is a plain string or finite number. */
export function keyString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function safeKey(fn: () => string | undefined): string | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
