// A local ML service speaking the contract of shared/docs/contracts.md §5 over real HTTP, with switchable
// faults. It records every request so tests can assert on what the engine sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  at: number;
}

interface Training {
  id: string;
  key: string | null;
  polls: number;
  pollsNeeded: number;
  outcome: 'succeeded' | 'failed';
  promoted: boolean;
  version: string;
}

type Failure = { status: number; retryAfterS?: number };

/** Deterministic, valid probabilities per match id: tests can recompute what the service answered. */
export function fakeProbabilities(matchId: number) {
  const h = (matchId * 2654435761) % 1000;
  const home = 0.3 + (h % 40) / 100;
  const draw = 0.2 + (h % 7) / 100;
  return { home, draw, away: 1 - home - draw };
}

export class FakeMlService {
  readonly requests: RecordedRequest[] = [];
  /** Delay before answering a batch-predict call ("slow" mode). */
  latencyMs = 0;
  modelVersion = 'svc-1';
  /** Required Bearer token (401 otherwise) when set. */
  token: string | undefined;
  /** Match ids answered in `errors` instead of `predictions` ("partial errors"). */
  readonly errorIds = new Set<number>();
  /** Match ids left out of the answer altogether (a coverage violation). */
  readonly omitIds = new Set<number>();
  /** The most batch-predict calls that were in flight at once. */
  maxInFlight = 0;
  private inFlight = 0;
  /** Training behaviour for the next POST /models/train. */
  training = { pollsNeeded: 3, outcome: 'succeeded' as 'succeeded' | 'failed', promoted: false, version: 'svc-2', retryAfterS: 0 };
  down = false;
  private failures: Failure[] = [];
  private invalidLeft = 0;
  private readonly trainings = new Map<string, Training>();
  private server?: Server;
  url = '';

  /** Keep every request (tests); a benchmark only counts them. */
  private readonly record: boolean;
  private batchCalls = 0;

  constructor(o: { token?: string; latencyMs?: number; record?: boolean } = {}) {
    this.token = o.token;
    this.record = o.record ?? true;
    this.latencyMs = o.latencyMs ?? 0;
  }

  /** The next `n` batch-predict calls fail with `status` (500 bursts; 503 with Retry-After). */
  failNext(n: number, status = 500, retryAfterS?: number) {
    for (let i = 0; i < n; i++) this.failures.push({ status, retryAfterS });
  }

  /** The next `n` batch-predict answers carry probabilities summing to 1.2. */
  invalidNext(n: number) {
    this.invalidLeft = n;
  }

  /** A training started by someone else, still running: POST /models/train answers 409. */
  startForeignTraining(pollsNeeded = 2): string {
    return this.createTraining(null, pollsNeeded).id;
  }

  /** Ends every training still running (as succeeded or failed, per its outcome) at its next poll. */
  finishTrainings() {
    for (const t of this.trainings.values()) t.pollsNeeded = Math.min(t.pollsNeeded, t.polls);
  }

  calls(path: string, method = 'POST') {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  /** Batch-predict calls so far (also when requests are not recorded). */
  get batchPredictCalls() {
    return this.record ? this.calls('/predictions/batch-predict').length : this.batchCalls;
  }

  predictedIds(): number[] {
    return this.calls('/predictions/batch-predict').flatMap((r) => (r.body?.match_ids ?? []).map(Number));
  }

  reset() {
    this.requests.length = 0;
    this.failures = [];
    this.invalidLeft = 0;
    this.errorIds.clear();
    this.omitIds.clear();
    this.maxInFlight = 0;
    this.latencyMs = 0;
    this.down = false;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private createTraining(key: string | null, pollsNeeded = this.training.pollsNeeded): Training {
    const t: Training = { id: `trn_${this.trainings.size + 1}`, key, polls: 0, pollsNeeded, outcome: this.training.outcome, promoted: this.training.promoted, version: this.training.version };
    this.trainings.set(t.id, t);
    return t;
  }

  private running() {
    return [...this.trainings.values()].find((t) => t.polls < t.pollsNeeded) ?? null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (this.record) this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() });
    else if (path === '/predictions/batch-predict') this.batchCalls += 1;
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': String(req.headers['x-request-id'] ?? ''), ...headers });
      res.end(JSON.stringify(payload));
    };
    // Test control: what a fake running in another process (the benchmark) has seen.
    if (path === '/_fake/stats') return send(200, { maxInFlight: this.maxInFlight, batchCalls: this.batchPredictCalls });
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return send(401, { detail: { code: 'UNAUTHORIZED', message: 'bad token', retryable: false } });

    if (req.method === 'GET' && path === '/health/status') {
      return send(this.down ? 503 : 200, { status: this.down ? 'down' : 'ok', service: 'fake-ml', version: '0.0.1', uptime_s: 1, model_loaded: !this.down, active_model_version: this.modelVersion, training_in_progress: Boolean(this.running()), checks: { model: 'ok' }, time: new Date().toISOString() });
    }
    if (req.method === 'GET' && path === '/models/info') {
      return send(200, {
        active: { model_name: 'match_outcome', version: this.modelVersion, stage: 'production', algorithm: 'fake', trained_at: new Date().toISOString(), training_data: { from: '2020-08-01', to: '2026-01-10', n_matches: 1000 }, metrics: { log_loss: 0.97 } },
        versions: [{ version: this.modelVersion, stage: 'production', trained_at: new Date().toISOString(), metrics: { log_loss: 0.97 } }],
      });
    }
    if (req.method === 'GET' && path === '/models/status') {
      const r = this.running();
      return send(200, { active_version: this.modelVersion, loaded: true, training: r ? { job_id: r.id, status: 'running', progress: r.polls / r.pollsNeeded } : null, last_training: null, predictions_served_24h: 0 });
    }
    if (req.method === 'POST' && path === '/models/train') return this.train(req, send);
    const m = /^\/models\/train\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) return this.poll(decodeURIComponent(m[1]!), send);
    if (req.method === 'POST' && path === '/predictions/batch-predict') return this.predict(body, send);
    return send(404, { detail: { code: 'NOT_FOUND', message: path, retryable: false } });
  }

  private train(req: IncomingMessage, send: (s: number, p: unknown, h?: Record<string, string>) => void) {
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
    const same = key ? [...this.trainings.values()].find((t) => t.key === key) : undefined;
    const running = this.running();
    if (!same && running) return send(409, { detail: { code: 'TRAINING_IN_PROGRESS', job_id: running.id, retryable: false } });
    const t = same ?? this.createTraining(key);
    const headers: Record<string, string> = { location: `/models/train/${t.id}` };
    if (this.training.retryAfterS) headers['retry-after'] = String(this.training.retryAfterS);
    return send(202, { job_id: t.id, status: 'queued', created_at: new Date().toISOString(), status_url: `/models/train/${t.id}` }, headers);
  }

  private poll(id: string, send: (s: number, p: unknown, h?: Record<string, string>) => void) {
    const t = this.trainings.get(id);
    if (!t) return send(404, { detail: { code: 'TRAINING_NOT_FOUND', message: id, retryable: false } });
    t.polls += 1;
    const done = t.polls >= t.pollsNeeded;
    const status = !done ? (t.polls === 1 ? 'queued' : 'running') : t.outcome;
    const headers: Record<string, string> = this.training.retryAfterS && !done ? { 'retry-after': String(this.training.retryAfterS) } : {};
    return send(200, {
      job_id: t.id, status, stage: done ? 'registering' : 'training', progress: done ? 1 : t.polls / t.pollsNeeded,
      created_at: new Date().toISOString(), started_at: new Date().toISOString(), finished_at: done ? new Date().toISOString() : null,
      result: done && t.outcome === 'succeeded' ? { model_version: t.version, metrics: { log_loss: 0.95, rps: 0.19 }, promoted: t.promoted, previous_version: this.modelVersion } : null,
      error: done && t.outcome === 'failed' ? { code: 'TRAINING_DIVERGED', message: 'loss became NaN' } : null,
    }, headers);
  }

  private async predict(body: any, send: (s: number, p: unknown, h?: Record<string, string>) => void) {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
      return this.answer(body, send);
    } finally {
      this.inFlight -= 1;
    }
  }

  private answer(body: any, send: (s: number, p: unknown, h?: Record<string, string>) => void) {
    const failure = this.failures.shift();
    if (failure) {
      return send(failure.status, { detail: { code: failure.status === 503 ? 'MODEL_NOT_LOADED' : 'INTERNAL', message: 'fake failure', retryable: true } },
        failure.retryAfterS !== undefined ? { 'retry-after': String(failure.retryAfterS) } : {});
    }
    const ids: string[] = body?.match_ids ?? [];
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 500) return send(422, { detail: [{ loc: ['body', 'match_ids'], msg: '1 to 500 ids', type: 'value_error' }] });
    const version = body.model_version ?? this.modelVersion;
    const invalid = this.invalidLeft > 0;
    if (invalid) this.invalidLeft -= 1;
    const predictions = [];
    const errors = [];
    for (const id of ids) {
      if (this.omitIds.has(Number(id))) continue;
      if (this.errorIds.has(Number(id))) {
        errors.push({ match_id: id, code: 'FEATURES_UNAVAILABLE', message: 'no lineup/form data', retryable: true });
        continue;
      }
      const p = fakeProbabilities(Number(id));
      const probabilities = invalid ? { home: p.home + 0.2, draw: p.draw, away: p.away } : p;
      const max = Math.max(probabilities.home, probabilities.draw, probabilities.away);
      predictions.push({
        match_id: id, probabilities, expected_goals: { home: 1.5, away: 1.1 },
        predicted_outcome: max === probabilities.home ? 'HOME' : max === probabilities.away ? 'AWAY' : 'DRAW',
        confidence: max, confidence_level: 'medium', most_likely_score: { home: 1, away: 0 }, model_version: version,
      });
    }
    return send(200, { model_version: version, generated_at: new Date().toISOString(), predictions, errors });
  }
}
