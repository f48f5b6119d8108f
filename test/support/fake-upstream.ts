// A real HTTP server standing in for an external service: it replays recorded payloads and injects the
// faults real upstreams have (429/503 with Retry-After, 500 bursts, slow answers, cut or malformed
// bodies, dropped connections), and records every request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'truncate' }
  | { kind: 'malformed' }
  | { kind: 'reset' };

export interface Route {
  body: string | Buffer | ((req: http.IncomingMessage, url: URL) => string | Buffer);
  status?: number;
  contentType?: string;
  /** When set, answers 304 to a matching If-None-Match (a function gives a per-URL ETag). */
  etag?: string | ((url: URL) => string);
  /** Extra response headers (e.g. `Age`, as a cache in between would add). */
  headers?: Record<string, string>;
}

export class FakeUpstream {
  readonly requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  private readonly routes = new Map<string, Route>();
  private readonly faults: Array<{ fault: Fault; times: number; path?: string }> = [];
  private server?: http.Server;
  latencyMs = 0;
  url = '';

  route(pathname: string, r: Route) {
    this.routes.set(pathname, r);
    return this;
  }

  /** The next `times` requests (to `path`, or any) get this fault. */
  fail(fault: Fault, times = 1, path?: string) {
    this.faults.push({ fault, times, path });
    return this;
  }

  clearFaults() {
    this.faults.length = 0;
  }

  count(pathname?: string) {
    return this.requests.filter((r) => !pathname || r.path.startsWith(pathname)).length;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => void this.handle(req, res, raw));
    });
    this.server.keepAliveTimeout = 5_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, body });
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const i = this.faults.findIndex((f) => !f.path || url.pathname.startsWith(f.path));
    const f = i >= 0 ? this.faults[i]! : undefined;
    if (f && --f.times <= 0) this.faults.splice(i, 1);
    const route = this.routes.get(url.pathname);
    if (f?.fault.kind === 'reset') return req.socket.destroy();
    if (f?.fault.kind === 'status') {
      res.writeHead(f.fault.status, { 'content-type': 'application/json', ...(f.fault.retryAfter ? { 'retry-after': f.fault.retryAfter } : {}) });
      return res.end(f.fault.body ?? JSON.stringify({ error: `injected ${f.fault.status}` }));
    }
    if (f?.fault.kind === 'delay') await new Promise((r) => setTimeout(r, (f.fault as { ms: number }).ms));
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'not found' }));
    }
    const etag = typeof route.etag === 'function' ? route.etag(url) : route.etag;
    if (etag && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      return res.end();
    }
    const payload = Buffer.from(typeof route.body === 'function' ? route.body(req, url) : route.body);
    const headers = { 'content-type': route.contentType ?? 'application/json', ...(etag ? { etag } : {}), ...route.headers };
    if (f?.fault.kind === 'truncate') {
      // Promise the whole body, send half, then drop the connection.
      res.writeHead(route.status ?? 200, { ...headers, 'content-length': String(payload.length) });
      res.write(payload.subarray(0, Math.floor(payload.length / 2)));
      return setTimeout(() => req.socket.destroy(), 10);
    }
    if (f?.fault.kind === 'malformed') {
      res.writeHead(route.status ?? 200, headers);
      return res.end(payload.subarray(0, Math.floor(payload.length / 2)));
    }
    res.writeHead(route.status ?? 200, headers);
    res.end(payload);
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
