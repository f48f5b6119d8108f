// A fake Agent OS (contracts §4.2) on real HTTP (on the shared fake upstream): runs created with
// Idempotency-Key, polled, cancelled, with fault modes (slow, failing, invalid JSON, hanging) and run
// behaviours (succeed after N polls, fail, never end). Records every request.
import { FakeUpstream, type Answer, type HandledRequest } from '../support/fake-upstream.js';

export interface FakeRun {
  id: string;
  agent: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  polls: number;
  input: unknown;
  idempotencyKey: string;
}

export class FakeAgentOs extends FakeUpstream {
  readonly runs = new Map<string, FakeRun>();
  private readonly byKey = new Map<string, string>();
  /** How a new run behaves: succeed after `pollsNeeded` polls, fail, or never end. */
  behaviour: { outcome: 'succeeded' | 'failed' | 'never'; pollsNeeded: number; output?: unknown } = { outcome: 'succeeded', pollsNeeded: 1, output: { text: 'done' } };
  /** Faults for the next requests: 'failing' (500), 'invalid-json', 'slow' (delay), 'hanging' (no answer). */
  faults: Array<'failing' | 'invalid-json' | 'slow' | 'hanging'> = [];
  slowMs = 1_000;
  retryAfterS = 0;

  constructor() {
    super();
    this.serve('/*', (r) => this.answer(r));
  }

  running(agent?: string) {
    return [...this.runs.values()].filter((r) => (r.status === 'running' || r.status === 'queued') && (!agent || r.agent === agent)).length;
  }

  cancels() {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
  }

  private send(status: number, json: unknown): Answer {
    return { status, json, headers: this.retryAfterS ? { 'retry-after': String(this.retryAfterS) } : {} };
  }

  private async answer(req: HandledRequest): Promise<Answer> {
    const fault = this.faults.shift();
    if (fault === 'hanging') {
      await req.closed;
      return 'hang' as const;
    }
    if (fault === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (fault === 'failing') return this.send(500, { error: 'boom' });
    if (fault === 'invalid-json') return { text: '{"run_id": ' };
    const m = /^\/v1\/runs(?:\/([^/]+))?(\/cancel)?$/.exec(req.url.pathname);
    if (!m) return this.send(404, { error: 'not found' });
    if (req.method === 'POST' && !m[1]) {
      const key = String(req.headers['idempotency-key'] ?? '');
      const existing = this.byKey.get(key);
      if (existing) return this.send(200, this.snapshot(this.runs.get(existing)!));
      const body = JSON.parse(req.body);
      const run: FakeRun = { id: `run_${this.runs.size + 1}`, agent: body.agent, status: 'queued', polls: 0, input: body.input, idempotencyKey: key };
      this.runs.set(run.id, run);
      this.byKey.set(key, run.id);
      return this.send(202, { run_id: run.id, status: run.status, created_at: new Date().toISOString(), status_url: `/v1/runs/${run.id}` });
    }
    const run = m[1] ? this.runs.get(m[1]) : undefined;
    if (!run) return this.send(404, { error: 'unknown run' });
    if (req.method === 'POST' && m[2]) {
      if (run.status === 'queued' || run.status === 'running') run.status = 'cancelled';
      return this.send(202, this.snapshot(run));
    }
    if (run.status === 'queued' || run.status === 'running') {
      run.polls++;
      run.status = 'running';
      if (this.behaviour.outcome !== 'never' && run.polls >= this.behaviour.pollsNeeded) run.status = this.behaviour.outcome;
    }
    return this.send(200, this.snapshot(run));
  }

  private snapshot(r: FakeRun) {
    return {
      run_id: r.id, agent: r.agent, status: r.status, progress: r.status === 'succeeded' ? 1 : 0.5,
      output: r.status === 'succeeded' ? (this.behaviour.output ?? null) : null,
      error: r.status === 'failed' ? { code: 'TOOL_ERROR', message: 'the tool broke', retryable: false } : null,
    };
  }
}
