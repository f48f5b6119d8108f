// Prisma CLI configuration. The engine itself never reads this file: it applies migrations with the
// WebAssembly schema engine (src/db/migrate.ts). It is here so that `prisma migrate` keeps working for
// anyone whose machine can download Prisma's native engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../prisma/schema',
  migrations: { path: '../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/matchday' },
});
