// npm run bench -- <name> [options]. Benchmarks print their figures and the ratio against the baseline
// they name, both measured in the same run, each target with MET / NOT MET. Every bench measures in
// rounds (--rounds, at least 2) and says which round's figure it judges (see support.ts).
import { releaseAll } from './leftovers.js';
import { UsageError } from './support.js';

const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  queue: () => import('./queue.js'),
  http: () => import('./http.js'),
  memory: () => import('./memory.js'),
  ingest: () => import('./ingest.js'),
  baseline: () => import('./baseline.js'),
  predict: () => import('./predict.js'),
  agents: () => import('./agents.js'),
  fanout: () => import('./fanout.js'),
};

const [name, ...args] = process.argv.slice(2);
if (!name || !benches[name]) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
// Ctrl-C: still remove this run's Redis keys and database (child processes get the signal themselves).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void releaseAll().finally(() => process.exit(130)));
}
let code = 0;
try {
  await (await benches[name]!()).run(args);
} catch (err) {
  code = err instanceof UsageError ? 2 : 1;
  console.error(err instanceof UsageError ? err.message : err);
} finally {
  await releaseAll();
}
process.exit(code);
