// A real HTTP server standing in for an external service: it replays recorded payloads and injects the
// faults real upstreams have (429/503 with Retry-After, 500 bursts, slow answers, cut or malformed
// bodies, dropped connections), and records every request. Fakes with state of their own (an Agent OS
// holding runs, an LLM with answer modes) answer from functions (`serve`) on the same server.
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

/** What a handler answers: a JSON value (`json`) or text, or 'hang' (never answered; `stop` drops it). */
export type Answer = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> } | 'hang';

export interface HandledRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Resolves when the client's connection closed (a hanging handler waits for it). */
  closed: Promise<void>;
}

export type Handler = (req: HandledRequest) => Answer | Promise<Answer>;

export class FakeUpstream {
  readonly requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  private readonly routes = new Map<string, Route>();
  private readonly handlers: Array<{ path: string; prefix: boolean; fn: Handler }> = [];
  private readonly injected: Array<{ fault: Fault; times: number; path?: string }> = [];
  private server?: http.Server;
  latencyMs = 0;
  /** Asked for a fault when no queued one applies (random faults of a long run, an outage). */
  chaos?: (url: URL) => Fault | undefined;
  url = '';

  route(pathname: string, r: Route) {
    this.routes.set(pathname, r);
    return this;
  }

  /**
   * Answers `path` with a function (the first registered match wins); a path ending in `/*` matches
   * every path under it (`/*` alone: any path). Injected faults come first, as for static routes.
   */
  serve(path: string, fn: Handler) {
    const prefix = path.endsWith('/*');
    this.handlers.push({ path: prefix ? path.slice(0, -1) : path, prefix, fn });
    return this;
  }

  /** The next `times` requests (to `path`, or any) get this fault. */
  fail(fault: Fault, times = 1, path?: string) {
    this.injected.push({ fault, times, path });
    return this;
  }

  clearFaults() {
    this.injected.length = 0;
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
    const i = this.injected.findIndex((f) => !f.path || url.pathname.startsWith(f.path));
    const f = i >= 0 ? this.injected[i]! : undefined;
    if (f && --f.times <= 0) this.injected.splice(i, 1);
    const fault = f?.fault ?? this.chaos?.(url);
    const route = this.routes.get(url.pathname);
    if (fault?.kind === 'reset') return req.socket.destroy();
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      return res.end(fault.body ?? JSON.stringify({ error: `injected ${fault.status}` }));
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    const handler = route ? undefined : this.handlers.find((h) => (h.prefix ? url.pathname.startsWith(h.path) : url.pathname === h.path));
    if (handler) {
      const closed = new Promise<void>((r) => res.on('close', () => r()));
      const a = await handler.fn({ method: req.method ?? 'GET', url, headers: req.headers, body, closed });
      if (a === 'hang' || res.destroyed) return;
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
      return res.end(a.text ?? JSON.stringify(a.json ?? null));
    }
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
    if (fault?.kind === 'truncate') {
      // Promise the whole body, send half, then drop the connection.
      res.writeHead(route.status ?? 200, { ...headers, 'content-length': String(payload.length) });
      res.write(payload.subarray(0, Math.floor(payload.length / 2)));
      return setTimeout(() => req.socket.destroy(), 10);
    }
    if (fault?.kind === 'malformed') {
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
