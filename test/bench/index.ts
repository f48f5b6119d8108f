// npm run bench -- <name> [options]. Benchmarks print their figures and the ratio against the baseline
// they name, both measured in the same run. The machine is shared and noisy: run them twice.
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
await (await benches[name]!()).run(args);
process.exit(0);
