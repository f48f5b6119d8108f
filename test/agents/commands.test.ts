// The gateway's commands on a Redis stream (consumer group), two engine processes consuming: each command
// applied once and acknowledged, refusals validated like the HTTP routes and published; plus the
// Idempotency-Key of POST tasks, performance over windows, Prometheus metrics and signed Agent OS callbacks.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCallback } from '../../pipelines/_agents/agent-os.js';
import { agentCommandsStream, COMMANDS_GROUP } from '../../pipelines/_agents/commands.js';
import { agentsChannel } from '../../pipelines/_agents/publish.js';
import { waitFor } from '../support/engine.js';
import { startReplica, stopReplica, type Replica } from '../support/processes.js';
import { TEST_REDIS_URL } from '../support/services.js';
import { createAgent, createTask, taskIn, useAgentsEngine } from './support.js';

const CALLBACK_SECRET = 'whsec-test-0123456789abcdef';
const f = useAgentsEngine({ env: () => ({ SCHEDULES_ENABLED: 'true', AGENT_OS_CALLBACK_SECRET: CALLBACK_SECRET, AGENT_PERFORMANCE_WINDOWS: '1m,1h' }) });

describe('agent commands and the rest of the surface', () => {
  const messages: any[] = [];
  let sub: Redis;
  let replica: Replica;
  beforeAll(async () => {
    sub = new Redis(TEST_REDIS_URL);
    sub.on('message', (_c, m) => messages.push(JSON.parse(m)));
    await sub.subscribe(agentsChannel(f.prefix));
    replica = await startReplica({ DATABASE_URL: f.db.url, QUEUE_PREFIX: f.prefix, SCHEDULES_ENABLED: 'true', RATE_LIMITS_ENABLED: 'false' }, 'test/agents/agents-replica.ts');
  });
  afterAll(async () => {
    await stopReplica(replica); // normally stopped by the first test already
    await sub.quit();
  });

  it('applies each stream command once with two processes consuming, acknowledged after its effect; refuses bad ones naming the fields', async () => {
    const agent = await createAgent(f.engine);
    const stream = agentCommandsStream(f.prefix);
    const redis = f.engine.deps.redis;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push((await redis.xadd(stream, '*', 'command', JSON.stringify({ command: 'runTask', agentId: agent, task: { kind: 'noop', priority: 'HIGH' }, requestId: `r${i}` })))!);
    }
    const bad = await redis.xadd(stream, '*', 'command', JSON.stringify({ command: 'runTask', agentId: agent, task: { kind: 'webhook', input: { method: 'PATCH' } }, requestId: 'bad-1' }));
    await redis.xadd(stream, '*', 'command', JSON.stringify({ command: 'stop', agentId: agent }));

    await waitFor(async () => (await f.engine.request('GET', `/agents/${agent}`)).body.status === 'STOPPED', 15_000, 'the stop command');
    const tasks = await f.engine.db.agentTask.findMany({ where: { agentId: agent } });
    expect(tasks).toHaveLength(30);
    expect(new Set(tasks.map((t) => t.requestKey))).toEqual(new Set(ids.map((id) => `cmd:${id}`)));
    await waitFor(async () => {
      const pending = (await redis.xpending(stream, COMMANDS_GROUP)) as [number, ...unknown[]];
      return pending[0] === 0;
    }, 5_000, 'every entry to be acknowledged');
    const refusal = await waitFor(() => messages.find((m) => m.event === 'agentError' && m.data.commandId === bad), 5_000, 'the refusal');
    expect(refusal.data).toMatchObject({ requestId: 'bad-1', status: 400 });
    expect(refusal.data.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['input.integration', 'input.method']));
    await f.engine.request('POST', `/agents/${agent}/start`);
    await waitFor(async () => (await f.engine.db.agentTask.count({ where: { agentId: agent, status: 'COMPLETED' } })) === 30, 15_000, 'the commanded tasks to run');
    // The rest of the file counts this process's work (metrics, callbacks): the replica leaves.
    expect(await stopReplica(replica)).toBe(0);
  }, 60_000);

  it('creates a task once per Idempotency-Key (a repeat answers 200 with the same task; another body 409)', async () => {
    const agent = await createAgent(f.engine);
    const post = (body: unknown) => f.engine.request('POST', `/agents/${agent}/tasks`, { body, headers: { 'idempotency-key': 'k-1' } });
    const first = await post({ kind: 'noop' });
    const again = await post({ kind: 'noop' });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(again.body.id).toBe(first.body.id);
    expect((await post({ kind: 'noop', priority: 'LOW' })).status).toBe(409);
  });

  it('gives a task that lost its job (PENDING for over a minute) its job again', async () => {
    const agent = await createAgent(f.engine);
    const [row] = await f.engine.db.$queryRaw<Array<{ id: number }>>`
      INSERT INTO agent_tasks (agent_id, kind, priority, status, created_at) VALUES (${agent}, 'noop', 'MEDIUM', 'PENDING', now() - interval '2 minutes') RETURNING id`;
    await f.engine.deps.redis.del(`${f.prefix}:agents:sweep`);
    expect(await taskIn(f.engine, row!.id, ['COMPLETED'], 10_000)).toMatchObject({ status: 'COMPLETED' });
  });

  it('reports performance over the configured windows and in Prometheus by agent type and kind', async () => {
    const agent = await createAgent(f.engine, { type: 'perf-bot' });
    const ok = await Promise.all([1, 2, 3].map(() => createTask(f.engine, agent, { kind: 'noop', input: { sleepMs: 50 } })));
    const bad = await createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'nope' } });
    await Promise.all([...ok, bad].map((t) => taskIn(f.engine, t.id, ['COMPLETED', 'FAILED'])));
    const perf = await f.engine.request('GET', `/agents/${agent}/performance`);
    expect(perf.body.windows.map((w: any) => w.window)).toEqual(['1m', '1h']);
    const w = perf.body.windows[0];
    expect(w).toMatchObject({ completed: 3, failed: 1, cancelled: 0, timedOut: 0, successRate: 0.75 });
    expect(w.durationMs.p50).toBeGreaterThanOrEqual(40);
    expect(w.durationMs.p95).toBeGreaterThanOrEqual(w.durationMs.p50);
    expect(w.queueWaitMs.p50).toBeGreaterThanOrEqual(0);
    expect(w.byKind.noop).toMatchObject({ completed: 3, successRate: 1 });
    expect(w.byKind.webhook).toMatchObject({ failed: 1, successRate: 0 });
    const metrics = String((await f.engine.request('GET', '/metrics')).body);
    expect(metrics).toMatch(/matchday_agent_tasks_total\{agent_type="perf-bot",kind="noop",status="COMPLETED"\} 3/);
    expect(metrics).toMatch(/matchday_agent_task_duration_seconds_count\{agent_type="perf-bot",kind="noop"\} 3/);
    expect(metrics).toMatch(/matchday_agent_task_queue_wait_seconds_bucket\{le="[^"]+",agent_type="perf-bot",kind="noop"\}/);
    expect(metrics).not.toMatch(/agent_tasks_total\{[^}]*(agent_id|task_id)/);
  });

  it('accepts a signed Agent OS callback (it wakes the task at once) and refuses a badly signed one', async () => {
    f.agentOs.behaviour = { outcome: 'never', pollsNeeded: 0 };
    await f.restart({ AGENT_OS_POLL_MIN_MS: '60000', AGENT_OS_POLL_MAX_MS: '60000' }); // only a callback can end it soon
    const agent = await createAgent(f.engine);
    const task = await createTask(f.engine, agent, { kind: 'agent-os' });
    const runId = await waitFor(async () => (await f.engine.request('GET', `/tasks/${task.id}`)).body.agentOsRunId, 10_000, 'the run');
    f.agentOs.runs.get(runId)!.status = 'succeeded';
    const body = JSON.stringify({ type: 'run.succeeded', run_id: runId, status: 'succeeded', output: null, error: null, occurred_at: new Date().toISOString() });
    const ts = Math.floor(Date.now() / 1000);
    const send = (sig: string) => f.engine.request('POST', '/agent-os/callbacks', { rawBody: body, headers: { 'webhook-id': 'evt_1', 'webhook-timestamp': String(ts), 'webhook-signature': sig } });
    expect((await send(signCallback('another-secret-0123456789', 'evt_1', ts, body))).status).toBe(401);
    const ok = await send(signCallback(CALLBACK_SECRET, 'evt_1', ts, body));
    expect(ok.status).toBe(202);
    expect(ok.body.task).toBe(task.id);
    expect(await taskIn(f.engine, task.id, ['COMPLETED'], 5_000)).toMatchObject({ status: 'COMPLETED' });
  });
});
