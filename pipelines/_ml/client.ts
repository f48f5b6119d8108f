// Client of the ML service (contracts.md §5) on the engine's resilient upstream client: its own circuit
// breaker, a Bearer token, an X-Request-Id per call, a deadline per endpoint, and every response checked
// with zod before anything reads it. An invalid response is a retryable UpstreamError: the caller's job
// is retried, and nothing half-valid is stored.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Upstream, UpstreamResponse } from '../../src/upstream/client.js';
import { UpstreamClientError, UpstreamError, UpstreamRetryAfterError } from '../../src/upstream/errors.js';
import {
  batchPredictResponse, healthResponse, modelsInfoResponse, modelsStatusResponse, trainAccepted, trainingInProgress, trainingJobResponse,
  type BatchPredictResult, type MlHealth, type MlModelsInfo, type MlModelsStatus, type MlTrainingJob,
} from './schemas.js';

export const ML_UPSTREAM = 'ml-service';
/** Per-call deadlines from the contract. */
export const ML_TIMEOUTS_MS = { batch: 30_000, train: 10_000, status: 5_000 } as const;
/** The service refuses larger batch-predict requests with 422. */
export const MAX_BATCH = 500;

export class MlResponseError extends UpstreamError {
  override name = 'MlResponseError';
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Sent as X-Request-Id (default: a random UUID), so one call can be found in both services' logs. */
  requestId?: string;
}

export interface TrainRequest {
  reason: string;
  params?: { fromDate?: string; toDate?: string; competitions?: string[]; algorithm?: string; hyperparameters?: Record<string, unknown> };
  promote: 'always' | 'if_better' | 'never';
}

const issues = (err: z.ZodError) =>
  err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') + (err.issues.length > 5 ? `; … ${err.issues.length - 5} more` : '');

export class MlServiceClient {
  constructor(private readonly http: Upstream) {}

  get breakerState() {
    return this.http.breaker.state;
  }

  /** 503 means "not serving" and still carries the status body, so it is an answer here, not an error. */
  async health(o: CallOptions = {}): Promise<MlHealth & { serving: boolean }> {
    try {
      const { data } = await this.call('health', ML_TIMEOUTS_MS.status, healthResponse, (signal, headers) => this.http.get('health/status', { signal, headers }), o);
      return { ...data, serving: true };
    } catch (err) {
      if ((err instanceof UpstreamError || err instanceof UpstreamRetryAfterError) && err.status === 503) {
        return { status: 'down', service: null, version: null, uptimeSeconds: null, modelLoaded: false, activeModelVersion: null, trainingInProgress: false, checks: {}, time: null, serving: false };
      }
      throw err;
    }
  }

  async modelsInfo(o: CallOptions = {}): Promise<MlModelsInfo> {
    return (await this.call('models/info', ML_TIMEOUTS_MS.status, modelsInfoResponse, (signal, headers) => this.http.get('models/info', { signal, headers }), o)).data;
  }

  async modelsStatus(o: CallOptions = {}): Promise<MlModelsStatus> {
    return (await this.call('models/status', ML_TIMEOUTS_MS.status, modelsStatusResponse, (signal, headers) => this.http.get('models/status', { signal, headers }), o)).data;
  }

  /**
   * Starts a training. The Idempotency-Key makes a repeated call (a retried job) return the same
   * training; a 409 TRAINING_IN_PROGRESS returns the running training instead (`existing: true`).
   */
  async startTraining(req: TrainRequest, idempotencyKey: string, o: CallOptions = {}): Promise<{ jobId: string; existing: boolean; retryAfterMs: number | null }> {
    const body = {
      reason: req.reason,
      requested_by: 'matchday-engine',
      params: {
        from_date: req.params?.fromDate, to_date: req.params?.toDate, competitions: req.params?.competitions,
        algorithm: req.params?.algorithm, hyperparameters: req.params?.hyperparameters ?? {},
      },
      promote: req.promote,
    };
    try {
      const { data, res } = await this.call('models/train', ML_TIMEOUTS_MS.train, trainAccepted,
        (signal, headers) => this.http.post('models/train', body, { signal, headers: { ...headers, 'idempotency-key': idempotencyKey } }), o);
      return { jobId: data.jobId, existing: false, retryAfterMs: this.http.retryAfterMs(res.headers['retry-after']) ?? null };
    } catch (err) {
      if (!(err instanceof UpstreamClientError) || err.status !== 409) throw err;
      const running = await this.runningTraining(err, o);
      if (!running) throw err;
      return { jobId: running, existing: true, retryAfterMs: null };
    }
  }

  /** The 409 body names the running training; if it cannot be read, /models/status does. */
  private async runningTraining(err: UpstreamClientError, o: CallOptions): Promise<string | null> {
    const json = err.message.slice(err.message.indexOf('{'));
    try {
      const parsed = trainingInProgress.safeParse(JSON.parse(json));
      if (parsed.success) return parsed.data.detail.job_id;
    } catch {
      /* cut or not JSON: ask the service */
    }
    const status = await this.modelsStatus(o);
    return status.training?.jobId ?? null;
  }

  async trainingJob(jobId: string, o: CallOptions = {}): Promise<MlTrainingJob & { retryAfterMs: number | null }> {
    const { data, res } = await this.call('models/train/{id}', ML_TIMEOUTS_MS.status, trainingJobResponse,
      (signal, headers) => this.http.get(`models/train/${encodeURIComponent(jobId)}`, { signal, headers }), o);
    if (data.jobId !== jobId) throw new MlResponseError(ML_UPSTREAM, res.status, `asked for training ${jobId}, got ${data.jobId}`);
    return { ...data, retryAfterMs: this.http.retryAfterMs(res.headers['retry-after']) ?? null };
  }

  /**
   * Predicts up to 500 matches by id (the service loads their features). Beyond the schema, checks that
   * every requested id is in exactly one of predictions / errors and that no other id is.
   */
  async batchPredict(matchIds: readonly number[], o: CallOptions & { modelVersion?: string | null } = {}): Promise<BatchPredictResult> {
    if (matchIds.length === 0 || matchIds.length > MAX_BATCH) throw new RangeError(`batchPredict takes 1–${MAX_BATCH} matches, got ${matchIds.length}`);
    const body = { match_ids: matchIds.map(String), model_version: o.modelVersion ?? null, options: { include_expected_goals: true, include_scoreline: true } };
    const { data, res } = await this.call('batch-predict', ML_TIMEOUTS_MS.batch, batchPredictResponse,
      (signal, headers) => this.http.post('predictions/batch-predict', body, { signal, headers }), o);
    const problem = coverageProblem(matchIds, data);
    if (problem) throw new MlResponseError(ML_UPSTREAM, res.status, `invalid batch-predict response: ${problem}`);
    return data;
  }

  private async call<S extends z.ZodType>(
    what: string,
    timeoutMs: number,
    schema: S,
    send: (signal: AbortSignal, headers: Record<string, string>) => Promise<UpstreamResponse>,
    o: CallOptions,
  ): Promise<{ data: z.output<S>; res: UpstreamResponse }> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = o.signal ? AbortSignal.any([deadline, o.signal]) : deadline;
    let res: UpstreamResponse;
    try {
      res = await send(signal, { 'x-request-id': o.requestId ?? randomUUID() });
    } catch (err) {
      // The upstream client hands back the caller's abort reason; name our own deadline clearly.
      if (deadline.aborted && !o.signal?.aborted) throw new UpstreamError(ML_UPSTREAM, undefined, `${what} timed out after ${timeoutMs} ms`);
      throw err;
    }
    const parsed = schema.safeParse(res.json());
    if (!parsed.success) throw new MlResponseError(ML_UPSTREAM, res.status, `invalid ${what} response: ${issues(parsed.error)}`);
    return { data: parsed.data, res };
  }
}

/** Every requested id exactly once across predictions and errors, and nothing else. */
export function coverageProblem(requested: readonly number[], r: BatchPredictResult): string | null {
  const wanted = new Set(requested);
  const seen = new Set<number>();
  const problems: string[] = [];
  for (const id of [...r.predictions.map((p) => p.matchId), ...r.errors.map((e) => e.matchId)]) {
    if (!wanted.has(id)) problems.push(`match ${id} was not requested`);
    else if (seen.has(id)) problems.push(`match ${id} appears more than once`);
    seen.add(id);
  }
  const missing = requested.filter((id) => !seen.has(id));
  if (missing.length) problems.push(`${missing.length} requested match(es) missing (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`);
  return problems.length ? problems.slice(0, 5).join('; ') : null;
}
