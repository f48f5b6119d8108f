// Generates the Prisma client without network access.
// `prisma generate` never runs the schema engine, but the CLI insists on finding its native binary first
// and would download it. Where no native engine is installed we point PRISMA_SCHEMA_ENGINE_BINARY at an
// existing file so the download is skipped; a machine that has the engine keeps Prisma's normal behaviour.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const enginesDir = path.dirname(require.resolve('@prisma/engines/package.json'));
const hasNativeEngine = readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!hasNativeEngine && !env.PRISMA_SCHEMA_ENGINE_BINARY) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = path.join(enginesDir, 'package.json');
}
const cli = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
if (!existsSync(cli)) {
  console.error(`prisma CLI not found at ${cli}: run npm ci first`);
  process.exit(1);
}
// prisma/schema is a folder (Prisma's multi-file schema): the CLI reads every .prisma file in it.
const res = spawnSync(process.execPath, [cli, 'generate', '--schema', 'prisma/schema'], {
  stdio: ['ignore', 'inherit', 'inherit'], cwd: path.join(path.dirname(new URL(import.meta.url).pathname), '..'),
  env,
});
process.exit(res.status ?? 1);
