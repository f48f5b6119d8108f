// Everything pipelines get besides the engine's own deps, built once per process (src/main.ts passes
// this to the engine as `extendDeps`).
import type { EngineDeps } from '../src/engine.js';
import { createIngestDeps } from './ingest-shared/deps.js';

export async function createPipelineDeps(base: EngineDeps) {
  return { ...createIngestDeps(base), matchEventConsumers: [] };
}
