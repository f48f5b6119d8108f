// The ML service client: response validation (pure), and the calls over real HTTP against the fake
// service through a real engine's resilient upstream client.
import { describe, expect, it } from 'vitest';
import { coverageProblem, MlResponseError } from '../../pipelines/_ml/client.js';
import { batchPredictResponse, trainingJobResponse } from '../../pipelines/_ml/schemas.js';
import { confidenceLevel, mostLikelyOutcome } from '../../pipelines/_ml/store.js';
import { loadConfig } from '../../src/config.js';
import { uniquePrefix } from '../support/db.js';
import { FakeMlService } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { startMlEngine } from './support.js';

const prediction = (id: string, p: { home: number; draw: number; away: number }, extra: Record<string, unknown> = {}) => ({
  match_id: id, probabilities: p, expected_goals: { home: 1.2, away: 0.9 }, predicted_outcome: 'HOME', confidence: Math.max(p.home, p.draw, p.away),
  confidence_level: 'medium', most_likely_score: { home: 1, away: 0 }, model_version: 'v1', ...extra,
});
const response = (predictions: unknown[], errors: unknown[] = []) => ({ model_version: 'v1', generated_at: '2026-01-20T10:00:01Z', predictions, errors });
const problems = (r: unknown) => {
  const res = batchPredictResponse.safeParse(r);
  return res.success ? [] : res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('response validation', () => {
  it('accepts a valid answer and maps it to camelCase', () => {
    const r = batchPredictResponse.parse(response([prediction('9001', { home: 0.47, draw: 0.27, away: 0.26 })], [{ match_id: '9002', code: 'FEATURES_UNAVAILABLE', message: 'x', retryable: true }]));
    expect(r.predictions[0]).toEqual({ matchId: 9001, home: 0.47, draw: 0.27, away: 0.26, xgHome: 1.2, xgAway: 0.9, predictedOutcome: 'HOME', confidence: 0.47, mostLikelyScore: { home: 1, away: 0 }, modelVersion: 'v1' });
    expect(r.errors).toEqual([{ matchId: 9002, code: 'FEATURES_UNAVAILABLE', message: 'x', retryable: true }]);
    expect(coverageProblem([9001, 9002], r)).toBeNull();
  });

  it('rejects probabilities that do not sum to 1 ± 1e-6, leave [0, 1], or a wrong confidence / outcome', () => {
    expect(problems(response([prediction('1', { home: 0.5, draw: 0.3, away: 0.2000001 })]))).toEqual([]);
    expect(problems(response([prediction('1', { home: 0.5, draw: 0.3, away: 0.21 })]))).toEqual(['predictions.0.probabilities: probabilities sum to 1.01, not 1 ± 0.000001']);
    expect(problems(response([prediction('1', { home: 1.2, draw: -0.1, away: -0.1 })])).join()).toMatch(/home: .*<=1.*draw: .*>=0/s);
    expect(problems(response([prediction('1', { home: 0.5, draw: 0.3, away: 0.2 }, { confidence: 0.3 })]))).toEqual(['predictions.0.confidence: is 0.3, not max(home, draw, away) = 0.5']);
    expect(problems(response([prediction('1', { home: 0.5, draw: 0.3, away: 0.2 }, { predicted_outcome: 'AWAY' })]))).toEqual(['predictions.0.predicted_outcome: AWAY is not the most likely outcome']);
    expect(problems(response([prediction('1', { home: 0.5, draw: 0.3, away: 0.2 }, { expected_goals: { home: -1, away: 0 } })]))).toHaveLength(1);
    expect(problems(response([prediction('abc', { home: 0.5, draw: 0.3, away: 0.2 })]))).toEqual(['predictions.0.match_id: must be a numeric id as a string']);
  });

  it('requires every requested id in exactly one of predictions / errors', () => {
    const p = { home: 0.5, draw: 0.3, away: 0.2 };
    const r = batchPredictResponse.parse(response([prediction('1', p), prediction('2', p), prediction('7', p)], [{ match_id: '2', code: 'X' }]));
    expect(coverageProblem([1, 2, 3], r)).toBe('match 7 was not requested; match 2 appears more than once; 1 requested match(es) missing (3)');
  });

  it('needs a result when a training succeeded', () => {
    const base = { job_id: 'trn_1', status: 'succeeded', progress: 1, result: null, error: null };
    expect(trainingJobResponse.safeParse(base).success).toBe(false);
    expect(trainingJobResponse.parse({ ...base, result: { model_version: 'v2', metrics: { rps: 0.19 }, promoted: true } }).result).toEqual({ modelVersion: 'v2', metrics: { rps: 0.19 }, promoted: true, previousVersion: null });
  });

  it('derives confidence levels and outcomes from the configured cut-offs', () => {
    const cut = loadConfig({ CONFIDENCE_CUTOFFS: '0.45,0.60' }).CONFIDENCE_CUTOFFS;
    expect([0.3, 0.45, 0.59, 0.6, 0.9].map((c) => confidenceLevel(c, cut))).toEqual(['low', 'medium', 'medium', 'high', 'high']);
    expect([mostLikelyOutcome(0.5, 0.3, 0.2), mostLikelyOutcome(0.2, 0.3, 0.5), mostLikelyOutcome(0.3, 0.4, 0.3), mostLikelyOutcome(0.4, 0.2, 0.4)]).toEqual(['HOME', 'AWAY', 'DRAW', 'HOME']);
  });
});

describe('client over HTTP', () => {
  const fake = new FakeMlService({ token: 'client-token-123' });
  const svc = useMlEngine({ fake, env: () => ({ ML_SERVICE_URL: `${fake.url}/`, ML_SERVICE_TOKEN: 'client-token-123', ROLE: 'api' }) });
  const ml = () => svc.engine.deps.ml!;

  it('reads health, model info and status with the token and a request id', async () => {
    expect(await ml().health({ requestId: 'req-1' })).toMatchObject({ status: 'ok', modelLoaded: true, activeModelVersion: 'svc-1', serving: true });
    fake.down = true;
    expect(await ml().health()).toMatchObject({ status: 'down', serving: false });
    fake.down = false;
    expect((await ml().modelsInfo()).active).toMatchObject({ modelName: 'match_outcome', version: 'svc-1', trainingFrom: '2020-08-01' });
    expect(await ml().modelsStatus()).toMatchObject({ activeVersion: 'svc-1', loaded: true, training: null });
    expect(fake.requests[0]!.headers).toMatchObject({ authorization: 'Bearer client-token-123', 'x-request-id': 'req-1' });
    expect(new Set(fake.requests.map((r) => r.headers['x-request-id'])).size).toBe(fake.requests.length);
  });

  it('starts a training once per Idempotency-Key and answers a 409 with the running training', async () => {
    const a = await ml().startTraining({ reason: 'manual', promote: 'never' }, 'job-1');
    const again = await ml().startTraining({ reason: 'manual', promote: 'never' }, 'job-1');
    expect(again).toEqual({ ...a, existing: false });
    const other = await ml().startTraining({ reason: 'manual', promote: 'never' }, 'job-2');
    expect(other).toEqual({ jobId: a.jobId, existing: true, retryAfterMs: null });
    expect(fake.calls('/models/train').map((r) => r.headers['idempotency-key'])).toEqual(['job-1', 'job-1', 'job-2']);
    expect(await ml().trainingJob(a.jobId)).toMatchObject({ jobId: a.jobId, status: 'queued', progress: expect.any(Number) });
    await expect(ml().trainingJob('trn_missing')).rejects.toMatchObject({ name: 'UpstreamClientError', status: 404 });
  });

  it('rejects answers that leave out a requested match, naming it', async () => {
    fake.omitIds.add(12);
    const err = await ml().batchPredict([11, 12]).catch((e) => e);
    expect(err).toBeInstanceOf(MlResponseError);
    expect(err.message).toBe('ml-service: invalid batch-predict response: 1 requested match(es) missing (12) (HTTP 200)');
    fake.omitIds.clear();
    expect((await ml().batchPredict([11, 12])).predictions.map((p) => p.matchId)).toEqual([11, 12]);
    await expect(ml().batchPredict(Array.from({ length: 501 }, (_, i) => i + 1))).rejects.toThrow(RangeError);
    expect(fake.calls('/predictions/batch-predict').at(-1)!.body).toEqual({ match_ids: ['11', '12'], model_version: null, options: { include_expected_goals: true, include_scoreline: true } });
  });

  it('is absent when ML_SERVICE_URL is unset', async () => {
    const bare = await startMlEngine({ databaseUrl: svc.db.url, prefix: uniquePrefix(), env: { ROLE: 'api' } });
    try {
      expect(bare.deps.ml).toBeNull();
      expect(bare.deps.mlJobs).toBeDefined();
    } finally {
      await bare.stop();
    }
  });
});
