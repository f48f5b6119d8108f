// Agent tasks on the agent-task queue: Agent OS runs (one per task whatever the retries, polled to the
// end, cancelled on cancel and on timeout), webhooks (retries for retryable failures only, secrets kept
// out of errors), timeouts, cancel while running, stop/start, and the messages for the WebSocket gateway.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsChannel } from '../../pipelines/_agents/publish.js';
import { waitFor } from '../support/engine.js';
import { TEST_REDIS_URL } from '../support/services.js';
import { createAgent, createTask, taskIn, useAgentsEngine } from './support.js';

const f = useAgentsEngine({ env: () => ({ AGENT_TASK_TIMEOUTS: 'webhook=1500,agent-os=3000', AGENT_ERROR_AFTER_FAILURES: '2' }) });
const SECRET = 'hook-secret-abcdef0123456789';

describe('agent tasks', () => {
  const messages: any[] = [];
  let sub: Redis;
  beforeAll(async () => {
    sub = new Redis(TEST_REDIS_URL);
    sub.on('message', (_c, m) => messages.push(JSON.parse(m)));
    await sub.subscribe(agentsChannel(f.prefix));
    await f.engine.request('POST', '/agents/integrations', { body: { name: 'hooks', baseUrl: f.endpoint.url, secret: SECRET } });
  });
  afterAll(async () => {
    await sub.quit();
  });

  it('runs an Agent OS task: one run created with the task id as Idempotency-Key, polled to its end, output stored, events published', async () => {
    f.agentOs.behaviour = { outcome: 'succeeded', pollsNeeded: 3, output: { preview: 'Arsenal look strong' } };
    // The first poll fails (500): the attempt is retried and polls the same run; no second run is created.
    const agent = await createAgent(f.engine);
    const before = f.agentOs.runs.size;
    f.agentOs.faults = [];
    const task = await createTask(f.engine, agent, { kind: 'agent-os', input: { input: { match_id: '9001' } }, priority: 'HIGH' });
    await new Promise((r) => setTimeout(r, 20));
    f.agentOs.faults.push('failing');
    const done = await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'COMPLETED', output: { preview: 'Arsenal look strong' }, agentOsRunId: expect.stringMatching(/^run_/) });
    expect(f.agentOs.runs.size - before).toBe(1);
    const creates = f.agentOs.requests.filter((r) => r.method === 'POST' && r.path === '/v1/runs');
    expect(creates.at(-1)!.headers['idempotency-key']).toBe(`task-${task.id}`);
    expect(creates.at(-1)!.headers.authorization).toBe('Bearer agent-os-secret-token');
    expect(JSON.parse(creates.at(-1)!.body)).toMatchObject({ agent: 'match-preview-writer', input: { match_id: '9001' }, metadata: { task_id: String(task.id) } });
    // Updates go out after the change commits and are not waited for: the last may trail the row.
    const updates = await waitFor(() => {
      const statuses = messages.filter((m) => m.event === 'agentTaskUpdate' && m.data.id === task.id).map((m) => m.data.status);
      return statuses.includes('COMPLETED') && statuses;
    }, 5_000, 'the COMPLETED update');
    expect(updates).toEqual(expect.arrayContaining(['QUEUED', 'RUNNING', 'COMPLETED']));
    const msg = messages.find((m) => m.event === 'agentTaskUpdate' && m.data.id === task.id);
    expect(msg).toMatchObject({ version: 1, agentId: String(agent), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    const events = await f.engine.request('GET', `/agents/${agent}/events`);
    expect(events.body.items.map((e: any) => e.type)).toEqual(expect.arrayContaining(['task.queued', 'task.running', 'task.completed']));
  });

  it('maps a failed Agent OS run to FAILED with its reason, not retried', async () => {
    f.agentOs.behaviour = { outcome: 'failed', pollsNeeded: 1 };
    const agent = await createAgent(f.engine);
    const task = await createTask(f.engine, agent, { kind: 'agent-os' });
    const done = await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'FAILED', attempts: 1, error: expect.stringContaining('TOOL_ERROR') });
    await waitFor(() => messages.some((m) => m.event === 'agentError' && m.data.taskId === task.id), 5_000, 'the agentError message');
  });

  it('times an Agent OS run out at the kind\'s deadline and cancels the run', async () => {
    f.agentOs.behaviour = { outcome: 'never', pollsNeeded: 0 };
    const agent = await createAgent(f.engine);
    const task = await createTask(f.engine, agent, { kind: 'agent-os' });
    const done = await taskIn(f.engine, task.id, ['TIMED_OUT', 'FAILED', 'COMPLETED'], 10_000);
    expect(done.status).toBe('TIMED_OUT');
    expect(f.agentOs.runs.get(done.agentOsRunId)!.status).toBe('cancelled');
  });

  it('cancels a running Agent OS task from the API: the task is CANCELLED and its run cancelled', async () => {
    f.agentOs.behaviour = { outcome: 'never', pollsNeeded: 0 };
    const agent = await createAgent(f.engine);
    const task = await createTask(f.engine, agent, { kind: 'agent-os' });
    const running = await taskIn(f.engine, task.id, ['RUNNING']);
    await expect.poll(async () => (await f.engine.request('GET', `/tasks/${task.id}`)).body.agentOsRunId, { timeout: 5_000 }).toBeTruthy();
    const res = await f.engine.request('POST', `/tasks/${task.id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('CANCELLED');
    expect(running.status).toBe('RUNNING');
    const runId = (await f.engine.request('GET', `/tasks/${task.id}`)).body.agentOsRunId;
    await expect.poll(() => f.agentOs.runs.get(runId)?.status, { timeout: 5_000 }).toBe('cancelled');
    expect((await f.engine.request('POST', `/tasks/${task.id}/cancel`)).status).toBe(409);
  });

  it('cancels a task while its HTTP call runs: the call is aborted and the agent\'s slot freed at once', async () => {
    const agent = await createAgent(f.engine, { concurrencyLimit: 1 });
    const hanging = await createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'hooks', path: '/hang' } });
    await taskIn(f.engine, hanging.id, ['RUNNING']);
    const next = await createTask(f.engine, agent, { kind: 'noop' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await f.engine.request('GET', `/tasks/${next.id}`)).body.status).toBe('QUEUED'); // the limit of 1 holds it
    const started = Date.now();
    await f.engine.request('POST', `/tasks/${hanging.id}/cancel`);
    await taskIn(f.engine, next.id, ['COMPLETED'], 5_000);
    expect(Date.now() - started).toBeLessThan(1_400); // before the 1.5 s webhook deadline: the cancel freed it
    expect((await f.engine.request('GET', `/tasks/${hanging.id}`)).body.status).toBe('CANCELLED');
  });

  it('times a webhook out at its kind\'s deadline (TIMED_OUT, not retried)', async () => {
    const agent = await createAgent(f.engine);
    const task = await createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'hooks', path: '/hang' } });
    const done = await taskIn(f.engine, task.id, ['TIMED_OUT', 'FAILED', 'COMPLETED'], 10_000);
    expect(done).toMatchObject({ status: 'TIMED_OUT', attempts: 1 });
  });

  it('retries retryable failures (500) and not others (400); a secret an upstream echoes never reaches the task\'s error', async () => {
    const agent = await createAgent(f.engine);
    f.endpoint.flakyTimes = 2;
    const flaky = await createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'hooks', path: '/flaky', body: { hello: 'world' } } });
    expect(await taskIn(f.engine, flaky.id, ['COMPLETED', 'FAILED'])).toMatchObject({ status: 'COMPLETED', attempts: 3, output: { status: 200, body: { received: { hello: 'world' } } } });
    const hit = f.endpoint.requests.find((r) => r.path === '/flaky')!;
    expect(hit.headers.authorization).toBe(`Bearer ${SECRET}`);

    const bad = await createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'hooks', path: '/bad' } });
    const failed = await taskIn(f.engine, bad.id, ['COMPLETED', 'FAILED']);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(failed.error).toContain('HTTP 400');
    expect(failed.error).not.toContain(SECRET);
    const job = await f.engine.producer.queue('agent-task').getJob(`task-${bad.id}-0`);
    expect(JSON.stringify(job?.data)).not.toContain(SECRET);
    expect(f.engine.logs.join('')).not.toContain(SECRET);
  });

  it('stop: queued tasks wait (none starts); start: they run, in priority order', async () => {
    const agent = await createAgent(f.engine, { concurrencyLimit: 1 });
    await f.engine.request('POST', `/agents/${agent}/stop`);
    expect((await f.engine.request('GET', `/agents/${agent}`)).body.status).toBe('STOPPED');
    const low = await createTask(f.engine, agent, { kind: 'noop', priority: 'LOW' });
    const critical = await createTask(f.engine, agent, { kind: 'noop', priority: 'CRITICAL' });
    await expect.poll(async () => (await f.engine.request('GET', `/agents/${agent}/status`)).body.waitingForStart, { timeout: 5_000 }).toBe(2);
    await new Promise((r) => setTimeout(r, 300));
    expect((await f.engine.request('GET', `/tasks/${low.id}`)).body.status).toBe('QUEUED');
    const started = await f.engine.request('POST', `/agents/${agent}/start`);
    expect(started.body.status).not.toBe('STOPPED');
    const [a, b] = await Promise.all([taskIn(f.engine, low.id, ['COMPLETED']), taskIn(f.engine, critical.id, ['COMPLETED'])]);
    expect(Date.parse(b.startedAt)).toBeLessThanOrEqual(Date.parse(a.startedAt));
    const types = (await f.engine.request('GET', `/agents/${agent}/events`)).body.items.map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['agent.stopped', 'agent.started']));
    await waitFor(() => messages.some((m) => m.event === 'agentStatusUpdate' && m.agentId === String(agent) && m.data.type === 'agent.stopped'), 5_000, 'the agent.stopped update');
  });

  it('starts an engine job (enqueue kind) and completes with its result', async () => {
    const agent = await createAgent(f.engine);
    const task = await createTask(f.engine, agent, { kind: 'enqueue', input: { queue: 'test-echo', payload: { value: 'hi' } } });
    const done = await taskIn(f.engine, task.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'COMPLETED', output: { queue: 'test-echo', result: { echoed: 'hi' } } });
  });

  it('puts an agent whose last two tasks failed into ERROR: it takes no new work until started', async () => {
    const agent = await createAgent(f.engine, { concurrencyLimit: 1 });
    for (let i = 0; i < 2; i++) {
      const t = await createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'hooks', path: '/bad' } });
      await taskIn(f.engine, t.id, ['FAILED']);
    }
    await expect.poll(async () => (await f.engine.request('GET', `/agents/${agent}`)).body.status, { timeout: 5_000 }).toBe('ERROR');
    await waitFor(() => messages.some((m) => m.event === 'agentStatusUpdate' && m.agentId === String(agent) && m.data.type === 'agent.error' && m.data.status === 'ERROR'), 5_000, 'the agent.error update');
    expect((await f.engine.request('GET', `/agents/${agent}/health`)).body).toMatchObject({ healthy: false, consecutiveFailures: 2 });
    const waiting = await createTask(f.engine, agent, { kind: 'noop' });
    await expect.poll(async () => (await f.engine.request('GET', `/agents/${agent}/status`)).body.waitingForStart, { timeout: 5_000 }).toBe(1);
    await f.engine.request('POST', `/agents/${agent}/start`);
    expect(await taskIn(f.engine, waiting.id, ['COMPLETED'])).toMatchObject({ status: 'COMPLETED' });
  });
});
