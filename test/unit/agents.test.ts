// The agents feature's pure rules: workflow DAGs (validation, next moves, references), the insight
// answer's checks and template writer, and Agent OS callback signatures.
import { describe, expect, it } from 'vitest';
import { signCallback, verifyCallback } from '../../pipelines/_agents/agent-os.js';
import { nextMoves, resolveRefs, topoOrder, validateDag } from '../../pipelines/_agents/dag.js';
import { factCheck, insightFormat, parseAnswer, templateInsight, type MatchFacts } from '../../pipelines/_agents/insight-text.js';
import { workflowStep } from '../../pipelines/_agents/schemas.js';

const steps = (...s: Array<Record<string, unknown>>) => s.map((x) => workflowStep.parse(x));

describe('workflow DAGs', () => {
  it('orders steps after their dependencies and names a cycle', () => {
    expect(topoOrder(steps({ key: 'b', kind: 'noop', dependsOn: ['a'] }, { key: 'a', kind: 'noop' }))).toEqual({ order: ['a', 'b'] });
    expect(topoOrder(steps({ key: 'a', kind: 'noop', dependsOn: ['b'] }, { key: 'b', kind: 'noop', dependsOn: ['a'] }))).toEqual({ cycle: ['a', 'b', 'a'] });
  });

  it('refuses duplicate keys, unknown kinds, dangling dependencies and references outside the ancestors', () => {
    const problems = validateDag(steps(
      { key: 'a', kind: 'noop' },
      { key: 'a', kind: 'fly' },
      { key: 'c', kind: 'noop', dependsOn: ['zz'], input: { x: { $ref: 'a.output' }, y: { $ref: 'not a ref' } } },
    ));
    expect(problems).toEqual([
      { field: 'steps.1.key', message: 'duplicate step key "a"' },
      { field: 'steps.1.kind', message: expect.stringContaining('unknown task kind "fly"') },
      { field: 'steps.2.dependsOn.0', message: 'dangling reference: no step "zz"' },
      { field: 'steps.2.input.x', message: expect.stringContaining('does not depend on') },
      { field: 'steps.2.input.y', message: expect.stringContaining('is not a reference') },
    ]);
    expect(validateDag(steps({ key: 'a', kind: 'noop' }, { key: 'b', kind: 'noop', dependsOn: ['a'] }, { key: 'c', kind: 'noop', dependsOn: ['b'], input: { v: { $ref: 'a.output.n' } } }))).toEqual([]);
  });

  it('starts ready steps together and fails (or skips) everything behind a failed step', () => {
    const d = steps({ key: 'a', kind: 'noop' }, { key: 'b', kind: 'noop', dependsOn: ['a'] }, { key: 'c', kind: 'noop', dependsOn: ['a'] }, { key: 'd', kind: 'noop', dependsOn: ['b', 'c'] }, { key: 'e', kind: 'noop', dependsOn: ['d'] });
    const st = (o: Record<string, string>) => new Map(Object.entries(o)) as never;
    expect(nextMoves(d, st({ a: 'COMPLETED', b: 'PENDING', c: 'PENDING', d: 'PENDING', e: 'PENDING' }), 'FAIL')).toMatchObject({ start: ['b', 'c'], block: [], finished: false });
    expect(nextMoves(d, st({ a: 'COMPLETED', b: 'COMPLETED', c: 'FAILED', d: 'PENDING', e: 'PENDING' }), 'FAIL')).toMatchObject({ start: [], block: ['d', 'e'], blockAs: 'FAILED', finished: true, outcome: 'FAILED' });
    expect(nextMoves(d, st({ a: 'COMPLETED', b: 'RUNNING', c: 'FAILED', d: 'PENDING', e: 'PENDING' }), 'SKIP')).toMatchObject({ block: ['d', 'e'], blockAs: 'SKIPPED', finished: false });
    expect(nextMoves(d, st({ a: 'COMPLETED', b: 'COMPLETED', c: 'COMPLETED', d: 'COMPLETED', e: 'COMPLETED' }), 'FAIL')).toMatchObject({ finished: true, outcome: 'COMPLETED' });
  });

  it('resolves references to earlier outputs and the run input', () => {
    const out = resolveRefs({ a: { $ref: 'x.output.n' }, list: [{ $ref: '$input.day' }], missing: { $ref: 'x.output.nope' } }, new Map([['x', { n: 3 }]]), { day: 'mon' });
    expect(out).toEqual({ a: 3, list: ['mon'], missing: null });
  });
});

const facts: MatchFacts = {
  matchId: 1, kickoff: '2026-12-01T15:00:00.000Z', status: 'SCHEDULED', score: null,
  home: { name: 'Arsenal', results: [{ outcome: 'W', for: 2, against: 1, opponent: 'Fulham', home: true }] },
  away: { name: 'Chelsea', results: [{ outcome: 'D', for: 0, against: 0, opponent: 'Fulham', home: false }] },
  prediction: { home: 50, draw: 25, away: 25, modelVersion: 'v1' },
  weather: null, news: [{ team: 'Arsenal', headline: 'Striker injured', flags: ['injury'] }],
};

describe('insight answers', () => {
  it('the Ollama format is the JSON schema of the answer\'s zod schema', () => {
    expect(insightFormat).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['headline', 'summary', 'key_factors', 'risk_note', 'confidence']) });
  });

  it('says what is wrong with an answer: invalid JSON, a schema violation', () => {
    expect(parseAnswer('{"headline": ')).toMatchObject({ ok: false, error: expect.stringContaining('invalid JSON') });
    expect(parseAnswer('{"headline": "x"}')).toMatchObject({ ok: false, error: expect.stringMatching(/schema violation: headline: .*summary/) });
  });

  it('rejects percentages and scores the facts do not hold, accepts those they do (±1 point)', () => {
    const a = (summary: string) => ({ headline: 'Preview', summary, key_factors: ['form'], risk_note: '', confidence: 0.5 });
    expect(factCheck(a('Arsenal 51% to win after a 2-1 win; Chelsea drew 0-0.'), facts)).toEqual([]);
    expect(factCheck(a('Arsenal 70% to win after a 3-0 win.'), facts)).toEqual([
      '70% is not a probability of the context (50%, 25%, 25%)',
      'score 3-0 is not in the context',
    ]);
  });

  it('writes the same template insight from the same facts, and it passes the fact check', () => {
    const t = templateInsight(facts);
    expect(t).toEqual(templateInsight(facts));
    expect(t.headline).toBe('Arsenal v Chelsea: Arsenal favoured');
    expect(t.confidence).toBe(0.5);
    expect(factCheck(t, facts)).toEqual([]);
    expect(t.key_factors).toContain('Injury news for Arsenal');
  });
});

describe('Agent OS callbacks', () => {
  const secret = 'whsec-unit-0123456789';
  const body = '{"type":"run.succeeded"}';
  it('accepts a genuine signature and refuses a wrong one, a stale timestamp or missing headers', () => {
    const now = 1_800_000_000;
    const h = (sig: string, ts = now) => ({ 'webhook-id': 'evt_1', 'webhook-timestamp': String(ts), 'webhook-signature': sig });
    expect(verifyCallback(secret, h(signCallback(secret, 'evt_1', now, body)), body, now)).toBeNull();
    expect(verifyCallback(secret, h(`v1,bogus ${signCallback(secret, 'evt_1', now, body)}`), body, now)).toBeNull();
    expect(verifyCallback(secret, h(signCallback('other-secret-000000', 'evt_1', now, body)), body, now)).toBe('signature does not match');
    expect(verifyCallback(secret, h(signCallback(secret, 'evt_1', now, body)), `${body} `, now)).toBe('signature does not match');
    expect(verifyCallback(secret, h(signCallback(secret, 'evt_1', now - 600, body), now - 600), body, now)).toBe('timestamp more than 5 minutes off');
    expect(verifyCallback(secret, {}, body, now)).toMatch(/missing/);
  });
});
