// Workflow runs: a five-step diamond whose ready steps run in parallel, with references to earlier
// outputs and one failing branch (its dependants failed, or skipped when the workflow says so); a run
// cancelled as a whole; and a run that survives its worker being killed mid-step.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/engine.js';
import { startReplica, stopReplica } from '../support/processes.js';
import { createAgent, useAgentsEngine } from './support.js';

// Short lock and stalled-check settings on every process of this file, the fixture's engine included:
// BullMQ's stalled check is guarded by a key that lives for the interval of the process that checked
// last, so an engine on the default 30 s interval would hold off the replicas' 1 s checks for up to 30 s.
const LOCKS = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' };
const f = useAgentsEngine({ env: () => LOCKS });

// a → (b, c) → d → e; c calls an endpoint that answers 400.
const diamond = (onFailure: 'FAIL' | 'SKIP') => ({
  name: `diamond ${onFailure}`,
  onFailure,
  steps: [
    { key: 'a', kind: 'webhook', input: { integration: 'wf', path: '/ok', body: { from: 'a', day: { $ref: '$input.day' } } } },
    { key: 'b', kind: 'webhook', dependsOn: ['a'], input: { integration: 'wf', path: '/slow', body: { seen: { $ref: 'a.output.body.received' } } } },
    { key: 'c', kind: 'webhook', dependsOn: ['a'], input: { integration: 'wf', path: '/bad' } },
    { key: 'd', kind: 'noop', dependsOn: ['b', 'c'] },
    { key: 'e', kind: 'noop', dependsOn: ['d'] },
  ],
});

async function runOf(id: number, states = ['COMPLETED', 'FAILED', 'CANCELLED'], timeoutMs = 20_000) {
  let last: any;
  return waitFor(async () => {
    last = (await f.engine.request('GET', `/workflow-runs/${id}`)).body;
    return states.includes(last.status) ? last : undefined;
  }, timeoutMs, `run ${id} to end`).catch((err) => {
    throw new Error(`${err.message}: ${JSON.stringify(last)}`);
  });
}

describe('workflows', () => {
  it('runs a five-step diamond: parallel branches, references resolved, the failing branch fails its dependants', async () => {
    await f.engine.request('POST', '/agents/integrations', { body: { name: 'wf', baseUrl: f.endpoint.url } });
    const agent = await createAgent(f.engine, { concurrencyLimit: 4 });
    const w = await f.engine.request('POST', `/agents/${agent}/workflows`, { body: diamond('FAIL') });
    expect(w.status).toBe(201);
    const started = await f.engine.request('POST', `/workflows/${w.body.id}/runs`, { body: { input: { day: '2026-11-30' } } });
    expect(started.status).toBe(202);
    const run = await runOf(started.body.id);
    const step = (k: string) => run.steps.find((s: any) => s.key === k);
    expect(run.status).toBe('FAILED');
    expect(run.error).toContain('c');
    expect(step('a').status).toBe('COMPLETED');
    expect(step('b').status).toBe('COMPLETED');
    expect(step('c')).toMatchObject({ status: 'FAILED', error: expect.stringContaining('HTTP 400') });
    expect(step('d').status).toBe('FAILED');
    expect(step('e').status).toBe('FAILED');
    expect(step('d').taskId).toBeNull(); // never started
    // b received a's output through its reference, and a the run's input.
    const bReq = f.endpoint.requests.filter((r) => r.path === '/slow').at(-1)!;
    expect(JSON.parse(bReq.body)).toEqual({ seen: { from: 'a', day: '2026-11-30' } });
    // b and c ran side by side: c started before b ended.
    expect(Date.parse(step('c').startedAt)).toBeLessThan(Date.parse(step('b').finishedAt));
  });

  it('skips the dependants of a failed step when the workflow says SKIP', async () => {
    const agent = await createAgent(f.engine, { concurrencyLimit: 4 });
    const w = await f.engine.request('POST', `/agents/${agent}/workflows`, { body: diamond('SKIP') });
    const run = await runOf((await f.engine.request('POST', `/workflows/${w.body.id}/runs`, { body: {} })).body.id);
    expect(Object.fromEntries(run.steps.map((s: any) => [s.key, s.status]))).toEqual({ a: 'COMPLETED', b: 'COMPLETED', c: 'FAILED', d: 'SKIPPED', e: 'SKIPPED' });
  });

  it('cancels a run as a whole: its running step task is cancelled, pending steps never start', async () => {
    const agent = await createAgent(f.engine);
    const w = await f.engine.request('POST', `/agents/${agent}/workflows`, {
      body: { name: 'long', steps: [{ key: 'wait', kind: 'noop', input: { sleepMs: 30_000 } }, { key: 'after', kind: 'noop', dependsOn: ['wait'] }] },
    });
    const id = (await f.engine.request('POST', `/workflows/${w.body.id}/runs`, { body: {} })).body.id;
    await waitFor(async () => (await f.engine.request('GET', `/workflow-runs/${id}`)).body.steps[0].status === 'RUNNING', 10_000, 'the first step to run');
    const res = await f.engine.request('POST', `/workflow-runs/${id}/cancel`);
    expect(res.status).toBe(202);
    const run = await runOf(id, ['CANCELLED']);
    expect(run.steps.find((s: any) => s.key === 'after').status).toBe('CANCELLED');
    const taskId = run.steps.find((s: any) => s.key === 'wait').taskId;
    expect((await f.engine.request('GET', `/tasks/${taskId}`)).body.status).toBe('CANCELLED');
    await waitFor(async () => (await f.engine.request('GET', `/workflow-runs/${id}`)).body.steps[0].status === 'CANCELLED', 10_000, 'the step to record the cancel');
    expect((await f.engine.request('POST', `/workflow-runs/${id}/cancel`)).status).toBe(409);
  });

  it('survives the worker running a step being killed (kill -9): another process finishes the run', async () => {
    const agent = await createAgent(f.engine, { concurrencyLimit: 2 });
    const w = await f.engine.request('POST', `/agents/${agent}/workflows`, {
      body: { name: 'crash', steps: [{ key: 'first', kind: 'noop' }, { key: 'slow', kind: 'noop', dependsOn: ['first'], input: { sleepMs: 4_000 } }, { key: 'last', kind: 'noop', dependsOn: ['slow'] }] },
    });
    // This engine stops consuming; a replica takes the work and is killed while it runs the slow step.
    await f.restart({ ROLE: 'api' });
    const env = { DATABASE_URL: f.db.url, QUEUE_PREFIX: f.prefix, SCHEDULES_ENABLED: 'false', ...LOCKS };
    const doomed = await startReplica(env, 'test/agents/agents-replica.ts');
    let survivor: Awaited<ReturnType<typeof startReplica>> | undefined;
    try {
      const id = (await f.engine.request('POST', `/workflows/${w.body.id}/runs`, { body: {} })).body.id;
      await waitFor(async () => (await f.engine.request('GET', `/workflow-runs/${id}`)).body.steps.find((s: any) => s.key === 'slow').status === 'RUNNING', 15_000, 'the slow step to run');
      await new Promise((r) => setTimeout(r, 300));
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      survivor = await startReplica(env, 'test/agents/agents-replica.ts');
      const up = Date.now();
      // The killed lock expired while the survivor started: its first stalled checks (1 s apart) put the
      // step back, the task keeps its lease (same token) and runs its 4 s again, then the last step.
      const run = await runOf(id, ['COMPLETED', 'FAILED', 'CANCELLED'], 30_000);
      expect(run.status).toBe('COMPLETED');
      expect(Date.now() - up).toBeLessThan(15_000);
      expect(run.steps.map((s: any) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      const slow = await f.engine.db.agentTask.findUniqueOrThrow({ where: { id: run.steps[1].taskId } });
      expect(slow.status).toBe('COMPLETED');
    } finally {
      await stopReplica(doomed, 'SIGKILL');
      if (survivor) await stopReplica(survivor);
      await f.restart();
    }
  }, 150_000);
});
