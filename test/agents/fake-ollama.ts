// A fake Ollama on real HTTP: /api/chat answers from a script of modes (valid, invalid JSON, schema
// violation, wrong facts, failing, slow, hanging), /api/version and /api/tags for health, on the shared
// fake upstream. Records every chat request and the most chats in flight at once.
import { FakeUpstream, type Answer, type HandledRequest } from '../support/fake-upstream.js';

export type ChatMode = 'valid' | 'invalid-json' | 'schema-violation' | 'wrong-facts' | 'failing' | 'slow' | 'hanging';

export class FakeOllama extends FakeUpstream {
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

  constructor() {
    super();
    this.serve('/api/version', () => ({ json: { version: '0.12.0' } }));
    this.serve('/api/tags', () => ({ json: { models: this.models.map((name) => ({ name, model: name, size: 1 })) } }));
    this.serve('/api/chat', (r) => this.chat(r));
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

  private async chat(req: HandledRequest): Promise<Answer> {
    const body = JSON.parse(req.body);
    this.chats.push({ body });
    const mode = this.script.shift() ?? this.otherwise;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (mode === 'hanging') {
        await req.closed;
        return 'hang' as const;
      }
      if (mode === 'failing') return { status: 500, json: { error: 'llama runner process has terminated' } };
      if (mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
      return { json: { model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: this.answer(mode === 'slow' ? 'valid' : mode) }, done: true, done_reason: 'stop' } };
    } finally {
      this.inFlight--;
    }
  }
}
