// The agents HTTP API: every body validated (400 naming the fields), paged lists, integrations whose
// secret never comes back, workflow DAGs refused with their cycle, unknown kind or dangling reference named.
import { describe, expect, it } from 'vitest';
import { createAgent, useAgentsEngine } from './support.js';

const f = useAgentsEngine();

describe('agents API', () => {
  it('creates, reads, patches, lists (paged) and deletes agents; RUNNING is reported while a task runs', async () => {
    const id = await createAgent(f.engine, { name: 'checker', type: 'data-checker', concurrencyLimit: 3 });
    const got = await f.engine.request('GET', `/agents/${id}`);
    expect(got.body).toMatchObject({ id, name: 'checker', type: 'data-checker', status: 'IDLE', concurrencyLimit: 3, runningTasks: 0 });
    const patched = await f.engine.request('PATCH', `/agents/${id}`, { body: { concurrencyLimit: 5, config: { tone: 'dry' } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ concurrencyLimit: 5, config: { tone: 'dry' } });

    const ids = [id];
    for (let i = 0; i < 5; i++) ids.push(await createAgent(f.engine, { name: `bot ${i}`, type: 'alerting-bot' }));
    const first = await f.engine.request('GET', '/agents?limit=2&type=alerting-bot');
    expect(first.body.items).toHaveLength(2);
    const second = await f.engine.request('GET', `/agents?limit=2&type=alerting-bot&before=${first.body.next}`);
    const third = await f.engine.request('GET', `/agents?limit=2&type=alerting-bot&before=${second.body.next}`);
    expect([...first.body.items, ...second.body.items, ...third.body.items].map((a: any) => a.id)).toEqual(ids.slice(1).reverse());
    expect(third.body.next).toBeNull();

    const task = await f.engine.request('POST', `/agents/${id}/tasks`, { body: { kind: 'noop', input: { sleepMs: 1500 } } });
    expect(task.status).toBe(202);
    await expect.poll(async () => (await f.engine.request('GET', `/agents/${id}`)).body.status, { timeout: 5_000 }).toBe('RUNNING');
    const status = await f.engine.request('GET', `/agents/${id}/status`);
    expect(status.body).toMatchObject({ status: 'RUNNING', running: 1 });

    const del = await f.engine.request('DELETE', `/agents/${id}`);
    expect(del.body).toMatchObject({ deleted: true, cancelledTasks: 1 });
    expect((await f.engine.request('GET', `/agents/${id}`)).status).toBe(404);
    expect((await f.engine.request('GET', `/tasks/${task.body.id}`)).status).toBe(404);
    const row = await f.engine.db.agentTask.findUniqueOrThrow({ where: { id: task.body.id } });
    expect(row.status).toBe('CANCELLED');
  });

  it('answers 400 naming each bad field, on every kind of body', async () => {
    const bad = await f.engine.request('POST', '/agents', { body: { name: '', type: 'Not Valid', concurrencyLimit: 0, extra: 1 } });
    expect(bad.status).toBe(400);
    const fields = bad.body.details.map((d: any) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'type', 'concurrencyLimit', '(root)']));

    const id = await createAgent(f.engine);
    const badKind = await f.engine.request('POST', `/agents/${id}/tasks`, { body: { kind: 'teleport', priority: 'URGENT' } });
    expect(badKind.status).toBe(400);
    expect(badKind.body.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['kind', 'priority']));

    const badInput = await f.engine.request('POST', `/agents/${id}/tasks`, { body: { kind: 'webhook', input: { method: 'PATCH' } } });
    expect(badInput.status).toBe(400);
    expect(badInput.body.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['input.integration', 'input.method']));

    const badPayload = await f.engine.request('POST', `/agents/${id}/tasks`, { body: { kind: 'enqueue', input: { queue: 'test-echo', payload: { value: '' } } } });
    expect(badPayload.status).toBe(400);
    expect(badPayload.body.details[0].field).toBe('input.payload.value');
    const unknownQueue = await f.engine.request('POST', `/agents/${id}/tasks`, { body: { kind: 'enqueue', input: { queue: 'agent-task' } } });
    expect(unknownQueue.body.details[0]).toMatchObject({ field: 'input.queue' });

    expect((await f.engine.request('GET', '/agents/abc')).body.details[0].field).toBe('id');
    expect((await f.engine.request('GET', '/agents?limit=5000')).body.details[0].field).toBe('limit');
    expect((await f.engine.request('POST', `/agents/${id}/events`, { body: { type: 'x', severity: 'LOUD', message: '' } })).body.details.map((d: any) => d.field)).toEqual(['severity', 'message']);
    expect((await f.engine.request('POST', `/agents/${id}/insights`, { body: { title: 't', body: 'b', confidence: 2 } })).body.details[0].field).toBe('confidence');
    expect((await f.engine.request('POST', '/tasks/999999/cancel')).status).toBe(404);
    expect((await f.engine.request('POST', '/agents', { auth: false, body: {} })).status).toBe(401);
  });

  it('stores integrations without ever answering with their secret', async () => {
    const secret = 'integration-secret-0123456789';
    const res = await f.engine.request('POST', '/agents/integrations', { body: { name: 'slack', baseUrl: f.endpoint.url, secret } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'slack', hasSecret: true, authHeader: 'authorization' });
    expect(JSON.stringify(res.body)).not.toContain(secret);
    const list = await f.engine.request('GET', '/agents/integrations');
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.items.map((i: any) => i.name)).toContain('slack');
    expect((await f.engine.request('POST', '/agents/integrations', { body: { name: 'slack', baseUrl: f.endpoint.url } })).status).toBe(409);
    const badHeader = await f.engine.request('POST', '/agents/integrations', { body: { name: 'x', baseUrl: 'ftp://x', authHeader: 'x-custom' } });
    expect(badHeader.body.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['baseUrl', 'authHeader']));
  });

  it('refuses workflows with a cycle, an unknown kind or a dangling reference, naming each', async () => {
    const id = await createAgent(f.engine);
    const post = (steps: unknown[]) => f.engine.request('POST', `/agents/${id}/workflows`, { body: { name: 'w', steps } });
    const cycle = await post([
      { key: 'a', kind: 'noop', dependsOn: ['c'] },
      { key: 'b', kind: 'noop', dependsOn: ['a'] },
      { key: 'c', kind: 'noop', dependsOn: ['b'] },
    ]);
    expect(cycle.status).toBe(400);
    expect(cycle.body.error).toMatch(/cycle: a → c → b → a/);
    const unknown = await post([{ key: 'a', kind: 'teleport' }]);
    expect(unknown.body.details).toEqual([{ field: 'steps.0.kind', message: expect.stringContaining('unknown task kind "teleport"') }]);
    const dangling = await post([
      { key: 'a', kind: 'noop', dependsOn: ['ghost'] },
      { key: 'b', kind: 'noop', input: { x: { $ref: 'a.output.ok' }, y: { $ref: 'nobody.output' } } },
    ]);
    expect(dangling.body.details).toEqual(expect.arrayContaining([
      { field: 'steps.0.dependsOn.0', message: 'dangling reference: no step "ghost"' },
      { field: 'steps.1.input.x', message: expect.stringContaining('does not depend on') },
      { field: 'steps.1.input.y', message: 'dangling reference: no step "nobody"' },
    ]));
    const ok = await post([{ key: 'a', kind: 'noop' }, { key: 'b', kind: 'noop', dependsOn: ['a'], input: { sleepMs: { $ref: 'a.output.n' } } }]);
    expect(ok.status).toBe(201);
    expect((await f.engine.request('GET', `/agents/${id}/workflows`)).body.items).toHaveLength(1);
  });

  it('stores events and insights and lists them newest first, paged', async () => {
    const id = await createAgent(f.engine);
    for (let i = 0; i < 3; i++) {
      expect((await f.engine.request('POST', `/agents/${id}/events`, { body: { type: 'note', message: `note ${i}`, severity: 'WARNING' } })).status).toBe(201);
    }
    const page = await f.engine.request('GET', `/agents/${id}/events?severity=WARNING&limit=2`);
    expect(page.body.items.map((e: any) => e.message)).toEqual(['note 2', 'note 1']);
    const rest = await f.engine.request('GET', `/agents/${id}/events?severity=WARNING&limit=2&before=${page.body.next}`);
    expect(rest.body).toMatchObject({ items: [{ message: 'note 0' }], next: null });
    const ins = await f.engine.request('POST', `/agents/${id}/insights`, { body: { matchId: 7, title: 'A title', body: 'A body', confidence: 0.6 } });
    expect(ins.status).toBe(201);
    expect((await f.engine.request('GET', `/agents/${id}/insights?matchId=7`)).body.items).toMatchObject([{ title: 'A title', confidence: 0.6 }]);
  });
});
