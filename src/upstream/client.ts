// The resilient upstream client: one per upstream service. A request goes through the shared rate
// limit, then the circuit breaker, then an undici pool with capped connections, short timeouts, a
// response size cap and a per-call deadline; its body is always consumed or discarded.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../redis.js';
import { Pool, errors as undiciErrors } from 'undici';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { headerSecrets, Redactor, urlPasswords } from '../secrets.js';
import type { BreakerRegistry } from '../status.js';
import { defaultBreakerOptions, UpstreamBreaker, type BreakerOptions } from './breaker.js';
import { parseRetryAfter } from '../queue/errors.js';
import { BODY_SNIPPET_CHARS, CircuitOpenError, errorForStatus, UpstreamError, UpstreamRetryAfterError } from './errors.js';
import { SharedRateLimiter, type RateLimit } from './rate-limit.js';

export interface UpstreamOptions {
  name: string;
  baseUrl: string;
  /** Connection cap: the pool is the bulkhead. */
  connections?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Whole-request deadline, on top of the caller's signal. */
  requestTimeoutMs?: number;
  maxResponseBytes?: number;
  rateLimit?: RateLimit;
  /** Waits up to this long for a rate-limit slot in process; longer, the job is sent back with the delay. */
  rateLimitMaxWaitMs?: number;
  breaker?: Partial<BreakerOptions>;
  headers?: Record<string, string>;
  /** Longest Retry-After obeyed (UPSTREAM_MAX_RETRY_AFTER_MS): a longer one is cut to this, logged and counted. */
  maxRetryAfterMs?: number;
}

export interface UpstreamEnv {
  redis: RedisClient;
  prefix: string;
  metrics: Metrics;
  breakers: BreakerRegistry;
  log: Logger;
  /** The engine's secret settings (configSecrets): never quoted in an error, whatever an upstream echoes. */
  secrets?: readonly string[];
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Conditional GET: sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** 304: the payload has not changed since the given ETag / Last-Modified. */
  notModified: boolean;
  json<T = unknown>(): T;
}

const SOCKET_ERRORS = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);
/** Jobs that meet an open breaker wake within this share of its reset time after the probe time, not all at once. */
const WAKE_SPREAD = 0.5;
/** A job that meets the half-open probe in flight looks again after 1–2 s. */
const PROBE_RECHECK_MS = 1_000;

export class Upstream {
  readonly name: string;
  readonly breaker: UpstreamBreaker;
  private readonly pool: Pool;
  private readonly limiter?: SharedRateLimiter;
  /** Applied once, here, to all upstream text an error carries: the engine's secrets and this upstream's credentials. */
  private readonly redactor: Redactor;
  private readonly o: Required<Omit<UpstreamOptions, 'rateLimit' | 'breaker' | 'headers'>> & Pick<UpstreamOptions, 'headers'>;

  constructor(options: UpstreamOptions, private readonly env: UpstreamEnv) {
    this.name = options.name;
    this.o = {
      connections: 8, connectTimeoutMs: 5_000, headersTimeoutMs: 15_000, bodyTimeoutMs: 15_000, requestTimeoutMs: 30_000,
      maxResponseBytes: 10 * 1024 * 1024, rateLimitMaxWaitMs: 5_000, maxRetryAfterMs: 15 * 60_000, ...options,
    };
    const origin = new URL(options.baseUrl);
    this.redactor = new Redactor([...(env.secrets ?? []), ...headerSecrets(options.headers), ...urlPasswords(options.baseUrl)]);
    this.pool = new Pool(origin.origin, {
      connections: this.o.connections,
      connectTimeout: this.o.connectTimeoutMs,
      headersTimeout: this.o.headersTimeoutMs,
      bodyTimeout: this.o.bodyTimeoutMs,
      maxResponseSize: this.o.maxResponseBytes,
      keepAliveTimeout: 4_000,
    });
    if (options.rateLimit) this.limiter = new SharedRateLimiter(env.redis, `${env.prefix}:engine:rate:${options.name}`, options.rateLimit);
    this.breaker = new UpstreamBreaker(options.name, { ...defaultBreakerOptions, ...options.breaker }, env.metrics, env.breakers, env.log);
  }

  get(path: string, o: Omit<RequestOptions, 'path' | 'method'> = {}) {
    return this.request({ ...o, path, method: 'GET' });
  }

  post(path: string, json: unknown, o: Omit<RequestOptions, 'path' | 'method' | 'json'> = {}) {
    return this.request({ ...o, path, json, method: 'POST' });
  }

  async request(r: RequestOptions): Promise<UpstreamResponse> {
    // The breaker first: a job that waits for it must not use up a rate-limit slot.
    if (this.breaker.state === 'open' || this.breaker.probing) throw this.circuitOpen();
    await this.takeRateLimitSlot(r.signal);
    try {
      return await this.breaker.fire(() => this.send(r));
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') throw this.circuitOpen();
      throw err;
    }
  }

  /**
   * Open: come back at the probe time, spread over half a reset period so the waiting jobs do not all
   * wake at once (the first one through is the probe). Half-open with the probe in flight: look again
   * shortly, until the probe has closed or reopened the breaker.
   */
  private circuitOpen(): CircuitOpenError {
    const { resetTimeoutMs, maxWaitMs } = this.breaker.options;
    if (this.breaker.state === 'half-open') {
      return new CircuitOpenError(this.name, PROBE_RECHECK_MS, 'circuit half-open, its probe in flight', { maxWaitMs, jitterMs: PROBE_RECHECK_MS });
    }
    return new CircuitOpenError(this.name, Math.max(500, this.breaker.remainingOpenMs()), 'circuit open', { maxWaitMs, jitterMs: Math.round(resetTimeoutMs * WAKE_SPREAD) });
  }

  /** A Retry-After header in ms, capped at `maxRetryAfterMs` (an upstream asking for a year parks no job for a year). */
  retryAfterMs(header: string | string[] | undefined): number | undefined {
    const asked = parseRetryAfter(header);
    if (asked === undefined || asked <= this.o.maxRetryAfterMs) return asked;
    this.env.metrics.upstreamRetryAfterCapped.inc({ upstream: this.name });
    this.env.log.warn({ upstream: this.name, retryAfter: header, askedMs: asked, cappedMs: this.o.maxRetryAfterMs }, 'Retry-After longer than UPSTREAM_MAX_RETRY_AFTER_MS: capped');
    return this.o.maxRetryAfterMs;
  }

  private async takeRateLimitSlot(signal?: AbortSignal) {
    if (!this.limiter) return;
    for (;;) {
      const wait = await this.limiter.take();
      if (wait === 0) return;
      this.env.metrics.upstreamRateLimited.inc({ upstream: this.name });
      if (wait > this.o.rateLimitMaxWaitMs) throw new UpstreamRetryAfterError(this.name, undefined, wait, 'shared rate limit reached');
      await sleep(wait, undefined, { signal });
    }
  }

  private async send(r: RequestOptions, retried = false): Promise<UpstreamResponse> {
    const started = performance.now();
    const path = withQuery(new URL(r.path, this.pathBase()).pathname + new URL(r.path, this.pathBase()).search, r.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.o.headers, ...r.headers };
    if (r.etag) headers['if-none-match'] = r.etag;
    if (r.lastModified) headers['if-modified-since'] = r.lastModified;
    let body: string | undefined;
    if (r.json !== undefined) {
      body = JSON.stringify(r.json);
      headers['content-type'] = 'application/json';
    }
    const signals = [AbortSignal.timeout(this.o.requestTimeoutMs), ...(r.signal ? [r.signal] : [])];
    let statusClass = 'error';
    try {
      const res = await this.pool.request({ method: r.method ?? 'GET', path, headers, body, signal: AbortSignal.any(signals) });
      statusClass = `${Math.floor(res.statusCode / 100)}xx`;
      if (res.statusCode === 304) {
        await res.body.dump();
        return response(this.name, 304, res.headers, Buffer.alloc(0), true, this.redactor);
      }
      const buf = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode >= 400) {
        throw errorForStatus(this.name, res.statusCode, this.retryAfterMs(res.headers['retry-after']), this.redactorFor(r).cut(buf.toString('utf8'), BODY_SNIPPET_CHARS));
      }
      return response(this.name, res.statusCode, res.headers, buf, false, this.redactorFor(r));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!retried && (r.method ?? 'GET') === 'GET' && code && SOCKET_ERRORS.has(code)) {
        // A kept-alive socket the upstream had just closed: one immediate retry is safe for a GET.
        return this.send(r, true);
      }
      throw this.wrap(err, r.signal, r);
    } finally {
      this.env.metrics.upstreamRequests.inc({ upstream: this.name, status_class: statusClass });
      this.env.metrics.upstreamDuration.observe({ upstream: this.name }, (performance.now() - started) / 1000);
    }
  }

  private pathBase() {
    const base = new URL(this.o.baseUrl);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    return base;
  }

  /** Credentials a single request adds (rare: most clients set theirs once, in the options). */
  private redactorFor(r: RequestOptions): Redactor {
    const extra = headerSecrets(r.headers);
    return extra.length ? this.redactor.with(extra) : this.redactor;
  }

  private wrap(err: unknown, caller: AbortSignal | undefined, r: RequestOptions): Error {
    if (err instanceof UpstreamError || err instanceof UpstreamRetryAfterError || (err as Error).name === 'UpstreamClientError') return err as Error;
    if (caller?.aborted) return caller.reason instanceof Error ? caller.reason : new Error(String(caller.reason));
    if (err instanceof undiciErrors.ResponseExceededMaxSizeError) return new UpstreamError(this.name, undefined, `response larger than ${this.o.maxResponseBytes} bytes`);
    const e = err as Error & { code?: string };
    const what = e.name === 'TimeoutError' || e.code?.includes('TIMEOUT') ? 'timed out' : `request failed (${e.code ?? e.name}: ${this.redactorFor(r).scrub(e.message)})`;
    return new UpstreamError(this.name, undefined, what);
  }

  async close() {
    this.breaker.shutdown();
    await this.pool.close();
  }
}

function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

function response(upstream: string, status: number, headers: UpstreamResponse['headers'], body: Buffer, notModified: boolean, redactor: Redactor): UpstreamResponse {
  return {
    status, headers, body, notModified,
    json<T>() {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch (err) {
        // Not the parser's message: it quotes the body, cut where a scrub cannot see a whole secret.
        const at = /position \d+/.exec((err as Error).message)?.[0] ?? 'unexpected input';
        throw new UpstreamError(upstream, status, `malformed JSON (${at})`, redactor.cut(body.toString('utf8'), 120));
      }
    },
  };
}
