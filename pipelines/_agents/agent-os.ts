// The Agent OS run resource (contracts §4.2): create with Idempotency-Key = task id (a retried attempt
// never starts a second run), poll with backoff honouring Retry-After, cancel (harmless to repeat), and
// verify signed callbacks (Standard Webhooks: HMAC-SHA256 over "id.timestamp.body").
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { NonRetryableError, parseRetryAfter } from '../../src/queue/errors.js';
import type { Upstream } from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';

export const AGENT_OS_UPSTREAM = 'agent-os';

const runStatus = z.enum(['queued', 'running', 'requires_action', 'succeeded', 'failed', 'cancelled', 'timed_out', 'cancelling']);
export type RunStatus = z.infer<typeof runStatus>;

const created = z.object({ run_id: z.string().min(1).max(200), status: runStatus });
const snapshot = z.object({
  run_id: z.string().min(1).max(200),
  status: runStatus,
  output: z.unknown().optional(),
  error: z.object({ code: z.string().optional(), message: z.string().optional(), retryable: z.boolean().optional() }).nullish(),
});
export type RunSnapshot = z.infer<typeof snapshot>;

export const TERMINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  // A malformed answer will not become well-formed by asking again the same way.
  if (!r.success) throw new UpstreamError(AGENT_OS_UPSTREAM, undefined, `malformed ${what}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export class AgentOsClient {
  constructor(private readonly http: Upstream) {}

  async createRun(
    o: { agent: string; input: unknown; metadata: Record<string, unknown>; timeoutS: number; callbackUrl?: string; taskId: number },
    signal?: AbortSignal,
  ): Promise<{ runId: string; status: RunStatus; retryAfterMs?: number }> {
    const res = await this.http.post(
      'v1/runs',
      { agent: o.agent, input: o.input, metadata: o.metadata, timeout_s: o.timeoutS, ...(o.callbackUrl ? { callback_url: o.callbackUrl } : {}) },
      { headers: { 'idempotency-key': `task-${o.taskId}` }, signal },
    );
    const body = parse(created, res.json(), 'run');
    return { runId: body.run_id, status: body.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
  }

  async getRun(runId: string, signal?: AbortSignal): Promise<RunSnapshot & { retryAfterMs?: number }> {
    const res = await this.http.get(`v1/runs/${encodeURIComponent(runId)}`, { signal });
    return { ...parse(snapshot, res.json(), 'run'), retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
  }

  async cancelRun(runId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.post(`v1/runs/${encodeURIComponent(runId)}/cancel`, {}, { signal });
    } catch (err) {
      // A run the Agent OS no longer knows needs no cancelling.
      if (err instanceof NonRetryableError && /HTTP 404/.test(err.message)) return;
      throw err;
    }
  }
}

/**
 * A Standard Webhooks signature check: `webhook-signature` holds one or more "v1,<base64>" values; the
 * timestamp must be within 5 minutes. Returns the reason it is refused, or null when it is genuine.
 */
export function verifyCallback(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string, nowS = Date.now() / 1000): string | null {
  const h = (n: string) => (Array.isArray(headers[n]) ? headers[n]![0] : (headers[n] as string | undefined));
  const id = h('webhook-id');
  const ts = h('webhook-timestamp');
  const sigs = h('webhook-signature');
  if (!id || !ts || !sigs) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (!/^\d+$/.test(ts) || Math.abs(nowS - Number(ts)) > 300) return 'timestamp more than 5 minutes off';
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${rawBody}`).digest();
  const ok = sigs.split(' ').some((s) => {
    const [v, b64] = s.split(',');
    if (v !== 'v1' || !b64) return false;
    const got = Buffer.from(b64, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  return ok ? null : 'signature does not match';
}

export function signCallback(secret: string, id: string, ts: number, rawBody: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  return `v1,${createHmac('sha256', key).update(`${id}.${ts}.${rawBody}`).digest('base64')}`;
}

export const callbackBody = z.object({
  type: z.string().max(100),
  run_id: z.string().min(1).max(200),
  status: runStatus,
  output: z.unknown().optional(),
  error: snapshot.shape.error,
});
