// Insight tasks against the fake Ollama: the JSON-schema format and the facts sent, a bad answer retried
// once quoting what was wrong, wrong facts rejected, an unavailable LLM retried and then replaced by the
// template writer, one LLM call at a time, the template writer without an LLM, and health in /status.
import { beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createTask, taskIn, useAgentsEngine } from './support.js';
import { seedMatch } from './seed.js';

const f = useAgentsEngine();
let matchId = 0;
let agent = 0;

beforeAll(async () => {
  ({ matchId } = await seedMatch(f.engine.db));
  agent = await createAgent(f.engine, { type: 'match-preview', concurrencyLimit: 5 });
});

const insightOf = (taskId: number) => f.engine.db.insight.findUnique({ where: { taskId } });

describe('insight tasks', () => {
  it('asks Ollama with stream:false, the JSON-schema format and the match facts, and stores the LLM insight', async () => {
    f.ollama.script = ['valid'];
    const before = f.ollama.chats.length;
    const task = await createTask(f.engine, agent, { kind: 'insight', input: { matchId } });
    const done = await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'COMPLETED', output: { writtenBy: 'LLM' } });
    const chat = f.ollama.chats[before]!.body;
    expect(chat).toMatchObject({ model: 'gemma3:4b', stream: false, format: { type: 'object', required: expect.arrayContaining(['headline', 'summary', 'key_factors']) } });
    const facts = chat.messages.map((m: any) => m.content).join('\n');
    for (const fact of ['Arsenal v Chelsea', 'W 2-1 v Fulham (H)', 'D 0-0 v Fulham (A)', 'Arsenal win 50%', 'draw 25%', '1.5 mm', 'hamstring injury [injury]']) expect(facts).toContain(fact);
    const insight = await insightOf(task.id);
    expect(insight).toMatchObject({ agentId: agent, matchId, writtenBy: 'LLM', model: 'gemma3:4b', title: 'Home side favoured in a tight one', confidence: 0.5 });
  });

  it('retries an invalid answer once with the validation error in the prompt', async () => {
    f.ollama.script = ['invalid-json', 'valid'];
    const before = f.ollama.chats.length;
    const task = await createTask(f.engine, agent, { kind: 'insight', input: { matchId } });
    expect(await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED'])).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    const retry = f.ollama.chats[before + 1]!.body.messages.at(-1).content;
    expect(retry).toMatch(/previous answer was rejected: invalid JSON/);
    expect(f.ollama.chats.length - before).toBe(2);
  });

  it('rejects answers whose facts contradict the context: after the one retry, the task fails with the reason', async () => {
    f.ollama.script = ['wrong-facts', 'schema-violation'];
    const before = f.ollama.chats.length;
    const task = await createTask(f.engine, agent, { kind: 'insight', input: { matchId } });
    const done = await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(done.error).toMatch(/rejected twice: schema violation: .*summary/);
    expect(f.ollama.chats[before + 1]!.body.messages.at(-1).content).toMatch(/91% is not a probability of the context.*score 7-0 is not in the context/);
    expect(await insightOf(task.id)).toBeNull();
  });

  it('retries an unavailable LLM, then writes from the template on the last attempt (labelled TEMPLATE)', async () => {
    f.ollama.script = ['failing', 'failing', 'failing', 'failing'];
    const before = f.ollama.chats.length;
    const task = await createTask(f.engine, agent, { kind: 'insight', input: { matchId } });
    const done = await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 4, output: { writtenBy: 'TEMPLATE', fallbackReason: expect.stringContaining('LLM unavailable') } });
    expect(f.ollama.chats.length - before).toBe(4);
    const insight = await insightOf(task.id);
    expect(insight).toMatchObject({ writtenBy: 'TEMPLATE', model: 'template', title: 'Arsenal v Chelsea: Arsenal favoured', confidence: 0.5 });
    expect(insight!.body).toContain('The model gives Arsenal 50%, a draw 25% and Chelsea 25%.');
    expect(insight!.body).toContain('Injury news for Arsenal');
    const events = (await f.engine.request('GET', `/agents/${agent}/events`)).body.items.filter((e: any) => e.taskId === task.id).map((e: any) => e.type);
    expect(events.filter((t: string) => t === 'task.retrying')).toHaveLength(3);
  });

  it('keeps LLM calls to OLLAMA_PARALLELISM (1) in flight', async () => {
    f.ollama.script = [];
    f.ollama.otherwise = 'slow';
    f.ollama.maxInFlight = 0;
    try {
      const tasks = await Promise.all([1, 2, 3].map(() => createTask(f.engine, agent, { kind: 'insight', input: { matchId } })));
      await Promise.all(tasks.map((t) => taskIn(f.engine, t.id, ['COMPLETED'])));
      expect(f.ollama.maxInFlight).toBe(1);
    } finally {
      f.ollama.otherwise = 'valid';
    }
  });

  it('shows Ollama\'s health (reachable, version, model present) in /status', async () => {
    await expect.poll(async () => {
      const s = await f.engine.request('GET', '/status');
      return s.body.breakers.find((b: any) => b.name === 'ollama')?.health;
    }, { timeout: 5_000 }).toMatchObject({ reachable: true, version: '0.12.0', modelPresent: true });
  });

  it('writes from the template without an LLM configured', async () => {
    await f.restart({ OLLAMA_URL: '' });
    const before = f.ollama.chats.length;
    const task = await createTask(f.engine, agent, { kind: 'insight', input: { matchId } });
    expect(await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED'])).toMatchObject({ status: 'COMPLETED', attempts: 1, output: { writtenBy: 'TEMPLATE', fallbackReason: 'no LLM configured' } });
    expect(f.ollama.chats.length).toBe(before);
  });
});
