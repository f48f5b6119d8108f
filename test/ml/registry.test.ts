// The model registry through the API: listing, promotion (retires the previous active version, records
// promotedAt, re-predicts the upcoming matches) and rollback (re-activates the previous active version).
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeMlService } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { settled } from './support.js';

const fake = new FakeMlService();
const ml = useMlEngine({ fake, seed: { slug: 'ligue', upcoming: 6, upcomingWithinDays: 10 } });
const ids: Record<string, number> = {};

beforeAll(async () => {
  for (const version of ['svc-a', 'svc-b', 'svc-c']) {
    ids[version] = (await ml.engine.db.modelVersion.create({ data: { source: 'ML_SERVICE', name: 'match_outcome', version, metrics: { rps: 0.2 } } })).id;
  }
  ids.base = (await ml.engine.db.modelVersion.create({ data: { source: 'BASELINE', name: 'baseline-dc-elo', version: 'b-1' } })).id;
});

const post = (path: string) => ml.engine.request('POST', path);
const stages = async () => Object.fromEntries((await ml.engine.db.modelVersion.findMany({ where: { source: 'ML_SERVICE' } })).map((v) => [v.version, v.stage]));

describe('model registry API', () => {
  it('lists the versions and the active one per source, without parameters', async () => {
    const res = await ml.engine.request('GET', '/models?source=ML_SERVICE');
    expect(res.status).toBe(200);
    expect(res.body.items.map((v: { version: string }) => v.version)).toEqual(['svc-c', 'svc-b', 'svc-a']);
    expect(res.body.items[0]).not.toHaveProperty('params');
    expect(res.body.active).toEqual({ BASELINE: null, ML_SERVICE: null });
    expect((await ml.engine.request('GET', '/models?stage=PROMOTED')).status).toBe(400);
  });

  it('promotes, retiring the previous active version, and re-predicts the upcoming matches with it', async () => {
    const a = await post(`/models/${ids['svc-a']}/promote`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ changed: true, retired: [], model: { version: 'svc-a', stage: 'ACTIVE' } });
    expect(Date.parse(a.body.model.promotedAt)).toBeGreaterThan(Date.now() - 60_000);
    const batch = await settled(ml.engine, 'ml-predict-batch', a.body.repredict.id);
    expect(batch.data).toEqual({ scheduledWithinDays: 14, modelVersion: 'svc-a' });
    expect(batch.result.byModelVersion).toMatchObject([{ modelVersionId: ids['svc-a'], predicted: 6 }]);
    expect(fake.calls('/predictions/batch-predict').at(-1)!.body.model_version).toBe('svc-a');

    const b = await post(`/models/${ids['svc-b']}/promote`);
    expect(b.body).toMatchObject({ changed: true, retired: [ids['svc-a']], model: { stage: 'ACTIVE' } });
    expect(await stages()).toEqual({ 'svc-a': 'RETIRED', 'svc-b': 'ACTIVE', 'svc-c': 'CANDIDATE' });
    expect((await ml.engine.db.modelVersion.findUniqueOrThrow({ where: { id: ids['svc-a'] } })).retiredAt).not.toBeNull();

    // Promoting the active version again changes nothing and re-predicts nothing.
    expect((await post(`/models/${ids['svc-b']}/promote`)).body).toMatchObject({ changed: false, repredict: null });
    await settled(ml.engine, 'ml-predict-batch', b.body.repredict.id);
    expect((await ml.engine.request('GET', '/models')).body.active.ML_SERVICE).toMatchObject({ id: ids['svc-b'] });

    const c = await post(`/models/${ids['svc-c']}/promote`);
    expect(c.body.retired).toEqual([ids['svc-b']]);
    await settled(ml.engine, 'ml-predict-batch', c.body.repredict.id);
  });

  it('rolls back to the most recent previously active version, then the one before', async () => {
    const c = await post(`/models/${ids['svc-c']}/rollback`);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ changed: true, model: { version: 'svc-c', stage: 'ROLLED_BACK' }, reactivated: { version: 'svc-b', stage: 'ACTIVE' } });
    expect(await stages()).toEqual({ 'svc-a': 'RETIRED', 'svc-b': 'ACTIVE', 'svc-c': 'ROLLED_BACK' });
    const batch = await settled(ml.engine, 'ml-predict-batch', c.body.repredict.id);
    expect(batch.data.modelVersion).toBe('svc-b');

    const b = await post(`/models/${ids['svc-b']}/rollback`);
    expect(b.body.reactivated).toMatchObject({ version: 'svc-a' });
    await settled(ml.engine, 'ml-predict-batch', b.body.repredict.id);
    const a = await post(`/models/${ids['svc-a']}/rollback`);
    expect(a.body).toMatchObject({ changed: true, reactivated: null });
    expect(await stages()).toEqual({ 'svc-a': 'ROLLED_BACK', 'svc-b': 'ROLLED_BACK', 'svc-c': 'ROLLED_BACK' });
    expect((await ml.engine.request('GET', '/models')).body.active.ML_SERVICE).toBeNull();
    await settled(ml.engine, 'ml-predict-batch', a.body.repredict.id);
    // A repeated rollback is a no-op.
    expect((await post(`/models/${ids['svc-a']}/rollback`)).body).toMatchObject({ changed: false, repredict: null });
  });

  it('refuses what makes no sense', async () => {
    const candidate = await ml.engine.db.modelVersion.create({ data: { source: 'ML_SERVICE', name: 'x', version: 'svc-d' } });
    expect((await post(`/models/${candidate.id}/rollback`)).status).toBe(409);
    expect((await post('/models/999999/promote')).status).toBe(404);
    expect((await post('/models/999999/rollback')).status).toBe(404);
    expect((await post('/models/abc/promote')).status).toBe(400);
  });

  it('does not re-predict when the promoted version is only the fallback (a baseline next to an ML service)', async () => {
    const res = await post(`/models/${ids.base}/promote`);
    expect(res.body).toMatchObject({ changed: true, model: { source: 'BASELINE', stage: 'ACTIVE' }, repredict: null });
    expect((await ml.engine.request('GET', '/models')).body.active.BASELINE).toMatchObject({ id: ids.base });
  });

  it('keeps one active version per source when promotions race', async () => {
    const versions = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((v) => ml.engine.db.modelVersion.create({ data: { source: 'ML_SERVICE', name: 'x', version: v } })));
    const results = await Promise.all(versions.map((v) => post(`/models/${v.id}/promote`)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await ml.engine.db.modelVersion.count({ where: { source: 'ML_SERVICE', stage: 'ACTIVE' } })).toBe(1);
    await Promise.all(results.map((r) => settled(ml.engine, 'ml-predict-batch', r.body.repredict.id)));
  });
});
