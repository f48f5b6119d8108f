// A fake Agent OS (contracts §4.2) on real HTTP: runs created with Idempotency-Key, polled, cancelled,
// with fault modes (slow, failing, invalid JSON, hanging) and run behaviours (succeed after N polls,
// fail, never end). Records every request and how many runs of each agent were running at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRun {
  id: string;
  agent: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  polls: number;
  input: unknown;
  idempotencyKey: string;
}

export class FakeAgentOs {
  readonly requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  readonly runs = new Map<string, FakeRun>();
  private readonly byKey = new Map<string, string>();
  /** How a new run behaves: succeed after `pollsNeeded` polls, fail, or never end. */
  behaviour: { outcome: 'succeeded' | 'failed' | 'never'; pollsNeeded: number; output?: unknown } = { outcome: 'succeeded', pollsNeeded: 1, output: { text: 'done' } };
  /** Faults for the next requests: 'failing' (500), 'invalid-json', 'slow' (delay), 'hanging' (no answer). */
  faults: Array<'failing' | 'invalid-json' | 'slow' | 'hanging'> = [];
  slowMs = 1_000;
  retryAfterS = 0;
  private server?: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();
  url = '';

  running(agent?: string) {
    return [...this.runs.values()].filter((r) => (r.status === 'running' || r.status === 'queued') && (!agent || r.agent === agent)).length;
  }

  cancels() {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
  }

  async start() {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => void this.handle(req, res, raw));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop() {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private send(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json', ...(this.retryAfterS ? { 'retry-after': String(this.retryAfterS) } : {}) });
    res.end(JSON.stringify(body));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
    const url = new URL(req.url!, 'http://x');
    this.requests.push({ method: req.method!, path: url.pathname, headers: req.headers, body: raw });
    const fault = this.faults.shift();
    if (fault === 'hanging') return void this.hanging.add(res);
    if (fault === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (fault === 'failing') return this.send(res, 500, { error: 'boom' });
    if (fault === 'invalid-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"run_id": ');
    }
    const m = /^\/v1\/runs(?:\/([^/]+))?(\/cancel)?$/.exec(url.pathname);
    if (!m) return this.send(res, 404, { error: 'not found' });
    if (req.method === 'POST' && !m[1]) {
      const key = String(req.headers['idempotency-key'] ?? '');
      const existing = this.byKey.get(key);
      if (existing) return this.send(res, 200, this.snapshot(this.runs.get(existing)!));
      const body = JSON.parse(raw);
      const run: FakeRun = { id: `run_${this.runs.size + 1}`, agent: body.agent, status: 'queued', polls: 0, input: body.input, idempotencyKey: key };
      this.runs.set(run.id, run);
      this.byKey.set(key, run.id);
      return this.send(res, 202, { run_id: run.id, status: run.status, created_at: new Date().toISOString(), status_url: `/v1/runs/${run.id}` });
    }
    const run = m[1] ? this.runs.get(m[1]) : undefined;
    if (!run) return this.send(res, 404, { error: 'unknown run' });
    if (req.method === 'POST' && m[2]) {
      if (run.status === 'queued' || run.status === 'running') run.status = 'cancelled';
      return this.send(res, 202, this.snapshot(run));
    }
    if (run.status === 'queued' || run.status === 'running') {
      run.polls++;
      run.status = 'running';
      if (this.behaviour.outcome !== 'never' && run.polls >= this.behaviour.pollsNeeded) run.status = this.behaviour.outcome;
    }
    return this.send(res, 200, this.snapshot(run));
  }

  private snapshot(r: FakeRun) {
    return {
      run_id: r.id, agent: r.agent, status: r.status, progress: r.status === 'succeeded' ? 1 : 0.5,
      output: r.status === 'succeeded' ? (this.behaviour.output ?? null) : null,
      error: r.status === 'failed' ? { code: 'TOOL_ERROR', message: 'the tool broke', retryable: false } : null,
    };
  }
}
