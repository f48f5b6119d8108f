// Retraining on the fake ML service: one training per job across a worker restart, 409 → poll the
// running one, failure, give-up with an alert, promotion by the service, and the drift cooldown.
import { describe, expect, it } from 'vitest';
import { onDriftAlert } from '../../pipelines/_ml/on-drift-alert.js';
import { cloneTestDatabase, uniquePrefix } from '../support/db.js';
import { waitFor } from '../support/engine.js';
import { FakeMlService } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { settled, startMlEngine, type MlTestEngine } from './support.js';

const fake = new FakeMlService({ token: 'ml-secret-token' });
const env = (maxMs: number) => ({ ML_SERVICE_URL: fake.url, ML_SERVICE_TOKEN: 'ml-secret-token', RETRAIN_POLL_MS: '200', RETRAIN_MAX_DURATION_MS: String(maxMs), SHUTDOWN_TIMEOUT_MS: '300' });
const ml = useMlEngine({ fake, env: () => env(60_000), seed: { slug: 'bund', upcoming: 12, upcomingWithinDays: 10 } });

const retrain = async (body: unknown = { reason: 'manual' }) => {
  const res = await ml.engine.request('POST', '/jobs/ml-retrain', { body });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
/** The run of a retrain job: its key is "<job id>.<random>". */
const runOf = (e: MlTestEngine, jobId: string) => e.db.trainingRun.findFirstOrThrow({ where: { jobId: { startsWith: `${jobId}.` } } });
const polls = () => fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/models/train/'));

describe('ml-retrain', () => {
  it('polls by deferring (no worker held, no attempt counted) and survives a worker restart mid-training without starting a second training', async () => {
    fake.training = { pollsNeeded: 10, outcome: 'succeeded', promoted: false, version: 'svc-2', retryAfterS: 0 };
    const id = await retrain();
    await waitFor(() => polls().length >= 2, 10_000, 'the training to be polled');
    const before = await runOf(ml.engine, id);
    expect(before).toMatchObject({ serviceJobId: 'trn_1', reason: 'manual' });
    expect(['QUEUED', 'RUNNING']).toContain(before.status);
    // Between polls the job waits in delayed, not in a worker, and waiting counted no attempt.
    const queue = ml.engine.producer.queue('ml-retrain');
    const between = await waitFor(async () => ((await queue.getJobState(id)) === 'delayed' ? queue.getJob(id) : undefined), 5_000, 'the job to wait in delayed');
    expect(between!.attemptsMade).toBe(0);
    expect(String((await ml.engine.request('GET', '/metrics')).body)).toMatch(/^matchday_jobs_deferred_total\{queue="ml-retrain"\} [1-9]/m);

    // Stopped while the training runs (the job deferred or mid-poll), resumed by the next engine.
    await ml.restart();
    const job = await settled(ml.engine, 'ml-retrain', id);
    expect(job).toMatchObject({ state: 'completed', progress: 100 });
    expect(job.attempts).toBeLessThanOrEqual(1); // only a shutdown abort mid-poll may have cost one
    expect(job.result).toMatchObject({ serviceJobId: 'trn_1', version: 'svc-2', stage: 'CANDIDATE', promoted: false, repredict: null });

    expect(fake.calls('/models/train')).toHaveLength(1);
    expect(fake.calls('/models/train')[0]!.headers['idempotency-key']).toBe(before.jobId);
    expect(new Set(polls().map((r) => r.path))).toEqual(new Set(['/models/train/trn_1']));
    expect(ml.engine.logs.join('')).toContain('resuming the poll of a training started earlier');
    expect(fake.requests.every((r) => r.headers.authorization === 'Bearer ml-secret-token' && r.headers['x-request-id'])).toBe(true);

    const run = await runOf(ml.engine, id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', progress: 1, serviceJobId: 'trn_1' });
    const version = await ml.engine.db.modelVersion.findUniqueOrThrow({ where: { id: run.modelVersionId! } });
    expect(version).toMatchObject({ source: 'ML_SERVICE', version: 'svc-2', stage: 'CANDIDATE', name: 'ml-service', metrics: { log_loss: 0.95, rps: 0.19, trainingJobId: 'trn_1', previousVersion: 'svc-1' } });
  });

  it('polls the running training when the service answers 409, honouring Retry-After', async () => {
    const foreign = fake.startForeignTraining(3);
    fake.training = { pollsNeeded: 3, outcome: 'succeeded', promoted: false, version: 'svc-2', retryAfterS: 1 };
    const before = polls().length;
    const id = await retrain();
    const job = await settled(ml.engine, 'ml-retrain', id);
    expect(job.result).toMatchObject({ serviceJobId: foreign });
    expect(await runOf(ml.engine, id)).toMatchObject({ serviceJobId: foreign, status: 'SUCCEEDED' });
    const mine = polls().slice(before).map((r) => r.at);
    expect(mine.length).toBe(3);
    // Retry-After: 1 s wins over RETRAIN_POLL_MS (200 ms).
    for (let i = 1; i < mine.length; i++) expect(mine[i]! - mine[i - 1]!).toBeGreaterThanOrEqual(950);
  });

  it('fails for good, without retrying, when the training fails', async () => {
    fake.training = { pollsNeeded: 2, outcome: 'failed', promoted: false, version: 'svc-x', retryAfterS: 0 };
    const trains = fake.calls('/models/train').length;
    const id = await retrain();
    const job = await settled(ml.engine, 'ml-retrain', id);
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    expect(job.failedReason).toMatch(/failed: TRAINING_DIVERGED: loss became NaN/);
    expect(await runOf(ml.engine, id)).toMatchObject({ status: 'FAILED', error: 'TRAINING_DIVERGED: loss became NaN' });
    expect(fake.calls('/models/train')).toHaveLength(trains + 1);
  });

  it('gives up after RETRAIN_MAX_DURATION_MS with an alert', async () => {
    fake.training = { pollsNeeded: 1_000, outcome: 'succeeded', promoted: false, version: 'svc-never', retryAfterS: 0 };
    // An engine of its own (its own database and queues) with a 2 s maximum.
    const ownDb = await cloneTestDatabase();
    const short = await startMlEngine({ databaseUrl: ownDb.url, prefix: uniquePrefix(), env: env(2_000) });
    try {
      const res = await short.request('POST', '/jobs/ml-retrain', { body: { reason: 'manual' } });
      const job = await settled(short, 'ml-retrain', res.body.id, 15_000);
      expect(job).toMatchObject({ state: 'failed', attempts: 1 });
      expect(job.failedReason).toMatch(/gave up after 2000 ms/);
      const run = await runOf(short, res.body.id);
      expect(run.status).toBe('GAVE_UP');
      expect(run.finishedAt!.getTime() - run.startedAt.getTime()).toBeGreaterThanOrEqual(2_000);
      const metrics = String((await short.request('GET', '/metrics')).body);
      expect(metrics).toMatch(/^matchday_ml_retrain_gave_up_total 1$/m);
      expect(short.logs.some((l) => l.includes('"level":50') && l.includes('ALERT: retraining gave up'))).toBe(true);
    } finally {
      await short.stop();
      await ownDb.drop();
    }
    // The service's training still runs; end it so that the next test is not answered 409.
    fake.finishTrainings();
  });

  it('activates a version the service promoted and re-predicts the upcoming matches with it', async () => {
    fake.training = { pollsNeeded: 2, outcome: 'succeeded', promoted: true, version: 'svc-3', retryAfterS: 0 };
    const id = await retrain({ reason: 'manual', promote: 'always', params: { fromDate: '2020-08-01', competitions: ['BUND'] } });
    const job = await settled(ml.engine, 'ml-retrain', id);
    expect(job.result).toMatchObject({ version: 'svc-3', stage: 'ACTIVE', promoted: true, repredict: { queue: 'ml-predict-batch' } });
    const sent = fake.calls('/models/train').at(-1)!.body;
    expect(sent).toMatchObject({ reason: 'manual', promote: 'always', params: { from_date: '2020-08-01', competitions: ['BUND'] } });
    const v = await ml.engine.db.modelVersion.findFirstOrThrow({ where: { version: 'svc-3' } });
    expect(v.stage).toBe('ACTIVE');
    expect(v.promotedAt).not.toBeNull();
    const batch = await settled(ml.engine, 'ml-predict-batch', job.result.repredict.id);
    expect(batch.data).toEqual({ scheduledWithinDays: 14, modelVersion: 'svc-3' });
    expect(batch.result.byModelVersion).toMatchObject([{ version: 'svc-3', predicted: 12 }]);
    expect(fake.calls('/predictions/batch-predict').at(-1)!.body.model_version).toBe('svc-3');
  });

  it('starts one retraining for a storm of critical drift alerts', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => onDriftAlert({ severity: 'critical', metric: 'rps', alertId: `a${i}` }, ml.engine.deps)));
    expect(new Set(ids).size).toBe(1);
    expect(await onDriftAlert({ severity: 'warning' }, ml.engine.deps)).toBeNull();
    const job = await settled(ml.engine, 'ml-retrain', ids[0]!);
    expect(job.data).toMatchObject({ reason: 'drift', trigger: { severity: 'critical', metric: 'rps' } });
    // Still within the cooldown after it finished: a new alert starts nothing.
    expect(await onDriftAlert({ severity: 'critical', alertId: 'late' }, ml.engine.deps)).toBe(ids[0]);
    expect(await ml.engine.db.trainingRun.count({ where: { reason: 'drift' } })).toBe(1);
  });
});
