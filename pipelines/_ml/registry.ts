// The model registry: every stage change goes through here, inside a transaction holding a per-source
// advisory lock, so two promotions (or two replicas registering a fit) cannot leave two ACTIVE versions.
import { Prisma, type Db } from '../../src/db/client.js';
import { lockForTransaction } from '../../src/db/locks.js';
import { ModelSource, ModelStage, type ModelVersion } from '../../src/generated/prisma/client.js';

type Tx = Prisma.TransactionClient;

export class RegistryError extends Error {
  constructor(readonly statusCode: 404 | 409, message: string) {
    super(message);
  }
}

async function withSourceLock<T>(db: Db, source: ModelSource, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await lockForTransaction(tx, `matchday:model-registry:${source}`);
    return fn(tx);
  });
}

export function activeVersion(db: Db | Tx, source: ModelSource): Promise<ModelVersion | null> {
  return db.modelVersion.findFirst({ where: { source, stage: ModelStage.ACTIVE }, orderBy: { promotedAt: 'desc' } });
}

async function activate(tx: Tx, v: ModelVersion, now: Date): Promise<{ version: ModelVersion; retired: number[] }> {
  const previous = await tx.modelVersion.findMany({ where: { source: v.source, stage: ModelStage.ACTIVE, id: { not: v.id } }, select: { id: true } });
  if (previous.length) {
    await tx.modelVersion.updateMany({ where: { id: { in: previous.map((p) => p.id) } }, data: { stage: ModelStage.RETIRED, retiredAt: now } });
  }
  const version = await tx.modelVersion.update({ where: { id: v.id }, data: { stage: ModelStage.ACTIVE, promotedAt: now, retiredAt: null } });
  return { version, retired: previous.map((p) => p.id) };
}

/** Makes a version ACTIVE for its source and retires the previous one. Promoting the active one is a no-op. */
export async function promote(db: Db, id: number, now = new Date()): Promise<{ version: ModelVersion; retired: number[]; changed: boolean }> {
  return withSourceLock(db, await sourceOf(db, id), async (tx) => {
    const v = await tx.modelVersion.findUnique({ where: { id } });
    if (!v) throw new RegistryError(404, `no model version ${id}`);
    if (v.stage === ModelStage.ACTIVE) return { version: v, retired: [], changed: false };
    return { ...(await activate(tx, v, now)), changed: true };
  });
}

/**
 * Marks the active version ROLLED_BACK and re-activates the most recently promoted earlier version of
 * the same source that was retired (not itself rolled back). Rolling back a rolled-back version is a no-op.
 */
export async function rollback(db: Db, id: number, now = new Date()): Promise<{ version: ModelVersion; reactivated: ModelVersion | null; changed: boolean }> {
  return withSourceLock(db, await sourceOf(db, id), async (tx) => {
    const v = await tx.modelVersion.findUnique({ where: { id } });
    if (!v) throw new RegistryError(404, `no model version ${id}`);
    if (v.stage === ModelStage.ROLLED_BACK) return { version: v, reactivated: null, changed: false };
    if (v.stage !== ModelStage.ACTIVE) throw new RegistryError(409, `model version ${id} is ${v.stage}: only the ACTIVE version can be rolled back`);
    const version = await tx.modelVersion.update({ where: { id }, data: { stage: ModelStage.ROLLED_BACK, retiredAt: now } });
    const previous = await tx.modelVersion.findFirst({
      where: { source: v.source, stage: ModelStage.RETIRED, promotedAt: { not: null }, id: { not: id } },
      orderBy: { promotedAt: 'desc' },
    });
    const reactivated = previous ? (await activate(tx, previous, now)).version : null;
    return { version, reactivated, changed: true };
  });
}

async function sourceOf(db: Db, id: number): Promise<ModelSource> {
  const v = await db.modelVersion.findUnique({ where: { id }, select: { source: true } });
  if (!v) throw new RegistryError(404, `no model version ${id}`);
  return v.source;
}

export interface NewVersion {
  source: ModelSource;
  name: string;
  version: string;
  metrics: Prisma.InputJsonValue;
  params?: Prisma.InputJsonValue;
  trainedFrom?: Date | null;
  trainedTo?: Date | null;
}

/**
 * Registers a version once per (source, version). `shouldActivate(active)` decides, under the lock, whether the
 * new version replaces the active one; a version registered before is returned unchanged.
 */
export async function register(
  db: Db,
  v: NewVersion,
  shouldActivate: (active: ModelVersion | null) => boolean,
  now = new Date(),
): Promise<{ version: ModelVersion; created: boolean; activated: boolean }> {
  return withSourceLock(db, v.source, async (tx) => {
    const existing = await tx.modelVersion.findUnique({ where: { source_version: { source: v.source, version: v.version } } });
    if (existing) {
      // Seen before (a retried job, or a service version first met in a prediction): complete its record,
      // never its stage.
      const version = await tx.modelVersion.update({
        where: { id: existing.id },
        data: { name: v.name, metrics: v.metrics, ...(v.params ? { params: v.params } : {}), trainedFrom: v.trainedFrom ?? existing.trainedFrom, trainedTo: v.trainedTo ?? existing.trainedTo },
      });
      return { version, created: false, activated: false };
    }
    const created = await tx.modelVersion.create({
      data: { source: v.source, name: v.name, version: v.version, metrics: v.metrics, params: v.params ?? Prisma.DbNull, trainedFrom: v.trainedFrom ?? null, trainedTo: v.trainedTo ?? null },
    });
    if (!shouldActivate(await activeVersion(tx, v.source))) return { version: created, created: true, activated: false };
    return { version: (await activate(tx, created, now)).version, created: true, activated: true };
  });
}

/**
 * The registry row of a version the ML service answered with. Versions trained outside our retrain job
 * are registered on first sight as CANDIDATE (stages are our decision, not the service's).
 */
export async function serviceVersionId(db: Db, version: string, cache: Map<string, number>): Promise<number> {
  const hit = cache.get(version);
  if (hit !== undefined) return hit;
  // INSERT … ON CONFLICT DO NOTHING, then read: concurrent chunks meeting a new version at once must not
  // race (Prisma's upsert is a read-then-write here and fails on the unique key under contention).
  await db.modelVersion.createMany({ data: [{ source: ModelSource.ML_SERVICE, name: ML_SERVICE_MODEL_NAME, version }], skipDuplicates: true });
  const row = await db.modelVersion.findUniqueOrThrow({ where: { source_version: { source: ModelSource.ML_SERVICE, version } }, select: { id: true } });
  cache.set(version, row.id);
  return row.id;
}

export const ML_SERVICE_MODEL_NAME = 'ml-service';

export type VersionRef = Pick<ModelVersion, 'id' | 'source' | 'version'>;

/**
 * Resolves a version string named in a request; when both sources use it, `prefer` wins. Found rows are
 * cached for the life of the process: a version never changes its id, source or name.
 */
export async function findVersion(db: Db, version: string, prefer: ModelSource, cache: Map<string, VersionRef>): Promise<VersionRef | null> {
  const key = `${prefer}/${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rows = await db.modelVersion.findMany({ where: { version }, take: 2, select: { id: true, source: true, version: true } });
  const found = rows.find((r) => r.source === prefer) ?? rows[0] ?? null;
  if (found) {
    if (cache.size >= 1_000) cache.clear();
    cache.set(key, found);
  }
  return found;
}
