// Group commit for the small statements every job runs (its pipeline-run row, its feed's cursor
// lookup). A statement is one round trip to PostgreSQL, and on this path the round trips cost more
// than the statements. The calls of one event-loop turn go together (jobs woken by one Redis or
// PostgreSQL reply call in the same turn), and calls that arrive while a batch is in flight wait for it
// and then go together as the next batch: an idle engine adds one turn of the loop (microseconds), a
// busy one sends one statement for many jobs. Sending a lone first call at once instead made batches
// alternate between one call and all the others (median batch 1 in the agents benchmark). Nothing is
// deferred past the caller's await: each caller resolves only once its own item was written (or read).

export interface CoalesceOptions {
  /** Largest batch sent as one statement (default 256). */
  maxBatch?: number;
}

interface Waiting<K, R> {
  key: K;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Wraps `runBatch` (keys → results in the same order) into a per-item function. A failed batch of
 * several items is retried item by item, so one bad item fails only its own caller.
 */
export function coalesce<K, R>(runBatch: (keys: K[]) => Promise<R[]>, o: CoalesceOptions = {}): (key: K) => Promise<R> {
  const maxBatch = o.maxBatch ?? 256;
  let waiting: Array<Waiting<K, R>> = [];
  let flushing = false;

  const settle = async (batch: Array<Waiting<K, R>>) => {
    try {
      const results = await runBatch(batch.map((w) => w.key));
      if (results.length !== batch.length) throw new Error(`coalesce: batch of ${batch.length} returned ${results.length} results`);
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else await Promise.all(batch.map((w) => settle([w])));
    }
  };

  const flush = async () => {
    flushing = true;
    try {
      await new Promise((r) => setImmediate(r)); // the rest of this turn's calls join
      while (waiting.length) {
        const batch = waiting.length <= maxBatch ? waiting : waiting.slice(0, maxBatch);
        waiting = waiting.length <= maxBatch ? [] : waiting.slice(maxBatch);
        await settle(batch);
      }
    } finally {
      flushing = false;
    }
  };

  return (key: K) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      if (!flushing) void flush();
    });
}
