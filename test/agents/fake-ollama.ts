// A fake Ollama on real HTTP: /api/chat answers from a script of modes (valid, invalid JSON, schema
// violation, wrong facts, failing, slow, hanging), /api/version and /api/tags for health. Records every
// chat request and the most chats in flight at once.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChatMode = 'valid' | 'invalid-json' | 'schema-violation' | 'wrong-facts' | 'failing' | 'slow' | 'hanging';

export class FakeOllama {
  readonly chats: Array<{ body: any }> = [];
  /** Modes for the next chats, in order; afterwards `otherwise`. */
  script: ChatMode[] = [];
  otherwise: ChatMode = 'valid';
  slowMs = 300;
  models = ['gemma3:4b'];
  /** The probabilities a valid answer quotes (must match the seeded prediction). */
  quote = { home: 50, draw: 25, away: 25 };
  inFlight = 0;
  maxInFlight = 0;
  private server?: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();
  url = '';

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

  private json(res: http.ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private answer(mode: ChatMode): string {
    const q = this.quote;
    const good = {
      headline: 'Home side favoured in a tight one',
      summary: `The model gives the home side ${q.home}%, a draw ${q.draw}% and the visitors ${q.away}%. Recent form backs that up.`,
      key_factors: ['Home form', `Home win ${q.home}%`],
      risk_note: 'Injury news could change the line-ups.',
      confidence: q.home / 100,
    };
    if (mode === 'invalid-json') return '{"headline": "cut off';
    if (mode === 'schema-violation') return JSON.stringify({ headline: 'x', summary: 'too short' });
    if (mode === 'wrong-facts') return JSON.stringify({ ...good, summary: `The model gives the home side 91%, and they won 7-0 last week. A draw ${q.draw}%.` });
    return JSON.stringify(good);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
    const path = new URL(req.url!, 'http://x').pathname;
    if (path === '/api/version') return this.json(res, 200, { version: '0.12.0' });
    if (path === '/api/tags') return this.json(res, 200, { models: this.models.map((name) => ({ name, model: name, size: 1 })) });
    if (path !== '/api/chat') return this.json(res, 404, { error: 'not found' });
    const body = JSON.parse(raw);
    this.chats.push({ body });
    const mode = this.script.shift() ?? this.otherwise;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (mode === 'hanging') {
        this.hanging.add(res);
        await new Promise<void>((r) => res.on('close', () => r()));
        return;
      }
      if (mode === 'failing') return this.json(res, 500, { error: 'llama runner process has terminated' });
      if (mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
      this.json(res, 200, { model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: this.answer(mode === 'slow' ? 'valid' : mode) }, done: true, done_reason: 'stop' });
    } finally {
      this.inFlight--;
    }
  }
}
