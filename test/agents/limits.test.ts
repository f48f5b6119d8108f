// The agent's limits across processes and priorities: its concurrency limit holds across two engine
// processes, and a CRITICAL task queued behind 1,000 LOW ones of the same agent starts next.
import { describe, expect, it } from 'vitest';
import { startReplica, stopReplica } from '../support/processes.js';
import type { AgentAdmission } from '../../pipelines/_agents/admission.js';
import { createAgent, createTask, taskIn, useAgentsEngine } from './support.js';

const f = useAgentsEngine();

describe('agent limits', () => {
  it('holds an agent\'s concurrency limit across two engine processes', async () => {
    await f.engine.request('POST', '/agents/integrations', { body: { name: 'slow', baseUrl: f.endpoint.url } });
    const replica = await startReplica({ DATABASE_URL: f.db.url, QUEUE_PREFIX: f.prefix, SCHEDULES_ENABLED: 'false', RATE_LIMITS_ENABLED: 'false' }, 'test/agents/agents-replica.ts');
    try {
      f.endpoint.slowMs = 300;
      f.endpoint.maxInFlight = 0;
      const agent = await createAgent(f.engine, { concurrencyLimit: 2 });
      const tasks = await Promise.all(Array.from({ length: 12 }, () => createTask(f.engine, agent, { kind: 'webhook', input: { integration: 'slow', path: '/slow' } })));
      const done = await Promise.all(tasks.map((t) => taskIn(f.engine, t.id, ['COMPLETED', 'FAILED'], 30_000)));
      expect(done.every((t) => t.status === 'COMPLETED')).toBe(true);
      expect(f.endpoint.maxInFlight).toBe(2);
      // Both processes took the agent's tasks (each logs the waits of the tasks it held back).
      expect(replica.output.join('')).toContain('"queue":"agent-task"');
      expect(f.engine.logs.join('')).toContain('"queue":"agent-task"');
      // Busy intervals of the tasks never overlap more than two deep.
      const edges = done.flatMap((t) => [[Date.parse(t.startedAt), 1], [Date.parse(t.finishedAt), -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let depth = 0;
      let most = 0;
      for (const [, d] of edges) most = Math.max(most, (depth += d));
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      await stopReplica(replica);
    }
  }, 60_000);

  it('starts a CRITICAL task next, even queued behind 1,000 LOW tasks of the same agent', async () => {
    const agent = await createAgent(f.engine, { concurrencyLimit: 1 });
    const blocker = await createTask(f.engine, agent, { kind: 'noop', input: { sleepMs: 60_000 }, priority: 'LOW' });
    await taskIn(f.engine, blocker.id, ['RUNNING']);
    const lows: number[] = [];
    for (let i = 0; i < 1_000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => createTask(f.engine, agent, { kind: 'noop', priority: 'LOW' })));
      lows.push(...batch.map((t) => t.id));
    }
    const critical = await createTask(f.engine, agent, { kind: 'noop', priority: 'CRITICAL' });
    // Its job has run once and joined the agent's line (at its head: priority first).
    const line = (f.engine.deps.admission as AgentAdmission).lineKey(agent);
    await expect.poll(() => f.engine.deps.redis.zrank(line, String(critical.id)), { timeout: 20_000 }).toBe(0);
    await f.engine.request('POST', `/tasks/${blocker.id}/cancel`);
    const started = await taskIn(f.engine, critical.id, ['RUNNING', 'COMPLETED'], 10_000);
    const lowStarted = await f.engine.db.agentTask.count({ where: { id: { in: lows }, startedAt: { not: null, lte: new Date(started.startedAt) } } });
    expect(lowStarted).toBe(0);
    // Leave nothing running: deleting the agent cancels the rest.
    expect((await f.engine.request('DELETE', `/agents/${agent}`)).body.cancelledTasks).toBeGreaterThan(900);
  }, 90_000);
});
