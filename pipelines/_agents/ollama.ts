// Ollama (contracts §1): POST /api/chat with stream:false and a JSON-schema `format`, health from
// /api/version and /api/tags. Network errors, 429 and 5xx are retryable (the upstream client's
// classification); 400/404 are not (a 404 usually means the model was never pulled).
import { z } from 'zod';
import type { Upstream } from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';

export const OLLAMA_UPSTREAM = 'ollama';

const chatResponse = z.object({
  message: z.object({ content: z.string() }),
  done: z.boolean().optional(),
  done_reason: z.string().optional(),
});

export interface OllamaHealth {
  reachable: boolean;
  version: string | null;
  modelPresent: boolean;
  checkedAt: string | null;
  error?: string;
}

export class OllamaClient {
  private health: OllamaHealth = { reachable: false, version: null, modelPresent: false, checkedAt: null };
  private checking?: Promise<unknown>;

  constructor(private readonly http: Upstream, readonly model: string) {}

  get breakerOpen(): boolean {
    return this.http.breaker.state === 'open';
  }

  /** One chat turn; returns the assistant's content (a JSON string when `format` is a schema). */
  async chat(messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>, format: object, signal?: AbortSignal): Promise<string> {
    const res = await this.http.post(
      'api/chat',
      { model: this.model, messages, stream: false, format, options: { temperature: 0.2, num_predict: 600, seed: 42 }, keep_alive: '30m' },
      { signal },
    );
    const body = chatResponse.safeParse(res.json());
    if (!body.success) throw new UpstreamError(OLLAMA_UPSTREAM, res.status, 'chat answer without message.content');
    // Cut off at num_predict: the JSON is almost certainly truncated; retrying the same way repeats it.
    if (body.data.done_reason === 'length') throw new UpstreamError(OLLAMA_UPSTREAM, res.status, 'answer truncated (done_reason "length")');
    return body.data.message.content;
  }

  /** The last known health; refreshed in the background when older than `maxAgeMs` (never blocks /status). */
  cachedHealth(maxAgeMs = 30_000): OllamaHealth {
    const age = this.health.checkedAt ? Date.now() - Date.parse(this.health.checkedAt) : Infinity;
    if (age > maxAgeMs && !this.checking) this.checking = this.checkHealth().finally(() => (this.checking = undefined));
    return this.health;
  }

  async checkHealth(signal?: AbortSignal): Promise<OllamaHealth> {
    try {
      const [v, t] = await Promise.all([this.http.get('api/version', { signal }), this.http.get('api/tags', { signal })]);
      const version = z.object({ version: z.string() }).safeParse(v.json());
      const tags = z.object({ models: z.array(z.object({ name: z.string() })) }).safeParse(t.json());
      const names = tags.success ? tags.data.models.map((m) => m.name) : [];
      const wanted = this.model.includes(':') ? this.model : `${this.model}:latest`;
      this.health = { reachable: true, version: version.success ? version.data.version : null, modelPresent: names.includes(wanted), checkedAt: new Date().toISOString() };
    } catch (err) {
      this.health = { reachable: false, version: null, modelPresent: false, checkedAt: new Date().toISOString(), error: (err as Error).message.slice(0, 200) };
    }
    return this.health;
  }
}
