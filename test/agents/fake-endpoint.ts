// An integration's endpoint on real HTTP for webhook tasks: /ok echoes, /slow answers after `slowMs`
// (counting calls in flight), /flaky fails with 500 `flakyTimes` times, /bad answers 400, /hang never
// answers. Records every request with its headers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeEndpoint {
  readonly requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  slowMs = 400;
  flakyTimes = 0;
  inFlight = 0;
  maxInFlight = 0;
  private server?: http.Server;
  private readonly open = new Set<http.ServerResponse>();
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
    for (const res of this.open) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
    const path = new URL(req.url!, 'http://x').pathname;
    this.requests.push({ method: req.method!, path, headers: req.headers, body: raw });
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/hang') {
      this.open.add(res);
      return;
    }
    if (path === '/bad') return reply(400, { error: 'bad request', echoed: req.headers.authorization ?? null });
    if (path === '/flaky' && this.flakyTimes > 0) {
      this.flakyTimes--;
      return reply(500, { error: 'try again' });
    }
    if (path === '/slow') {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setTimeout(r, this.slowMs));
      this.inFlight--;
    }
    return reply(200, { ok: true, path, received: raw ? JSON.parse(raw) : null });
  }
}
