// The prediction store step announces what it stored (the hook live prediction streaming hangs on):
// once per run that stored rows, with the model version and the rows.
import { describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../pipelines/_ml/store.js';
import { FakeMlService } from '../ml/fake-ml-service.js';
import { useMlEngine } from '../ml/fixture.js';
import { settled } from '../ml/support.js';

const fake = new FakeMlService();
const ml = useMlEngine({ fake, seed: { slug: 'hook', upcoming: 5 } });

describe('mlOnStored', () => {
  it('is told of every stored prediction run, with the model version and rows', async () => {
    const heard: Array<{ version: string; rows: readonly PredictionRow[] }> = [];
    ml.engine.deps.mlOnStored = async (version, rows) => { heard.push({ version, rows }); };
    const matchIds = ml.league.upcomingIds;
    const res = await ml.engine.request('POST', '/predictions/batch', { body: { matchIds }, headers: { 'Idempotency-Key': 'hook-1' } });
    expect(res.status).toBe(202);
    expect((await settled(ml.engine, 'ml-predict-batch', res.body.id)).state).toBe('completed');
    expect(heard).toHaveLength(1);
    expect(heard[0]!.version).toBe('svc-1');
    expect(heard[0]!.rows.map((r) => r.matchId).sort((a, b) => a - b)).toEqual([...matchIds].sort((a, b) => a - b));
  });
});
