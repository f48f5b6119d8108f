// The set-up the agents test files share: their own database and queue prefix, the fake Agent OS, Ollama
// and integration endpoint, and a real engine with the agents queues (fast retries), deps and routes;
// all torn down after the file. Accessors throw when read before the set-up ran.
import { afterAll, beforeAll } from 'vitest';
import { createAgentsDeps } from '../../pipelines/_agents/deps.js';
import { agentWorkflowRoutes } from '../../src/app/routes/agent-workflows.js';
import { agentRoutes } from '../../src/app/routes/agents.js';
import type { BreakerOptions } from '../../src/upstream/breaker.js';
import { cloneTestDatabase, uniquePrefix, type TestDatabase } from '../support/db.js';
import { startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { agentQueues } from './queues.js';
import { FakeAgentOs } from './fake-agent-os.js';
import { FakeEndpoint } from './fake-endpoint.js';
import { FakeOllama } from './fake-ollama.js';

export { agentQueues };


export async function startAgentsEngine(o: { databaseUrl: string; prefix: string; env?: Record<string, string>; breaker?: Partial<BreakerOptions> }): Promise<TestEngine> {
  return startTestEngine({
    databaseUrl: o.databaseUrl, prefix: o.prefix, queues: agentQueues,
    env: { SCHEDULES_ENABLED: 'false', AGENT_OS_POLL_MIN_MS: '50', AGENT_OS_POLL_MAX_MS: '200', RATE_LIMITS_ENABLED: 'false', ...o.env },
    extendDeps: (base) => ({ ...createAgentsDeps(base, { queues: agentQueues, ...(o.breaker ? { breaker: o.breaker } : {}) }) }),
    extraRoutes: [agentRoutes, agentWorkflowRoutes],
  });
}

export interface AgentsFixture {
  readonly engine: TestEngine;
  readonly db: TestDatabase;
  readonly prefix: string;
  readonly agentOs: FakeAgentOs;
  readonly ollama: FakeOllama;
  readonly endpoint: FakeEndpoint;
  /** Stops the engine and starts another on the same database and prefix, with extra settings. */
  restart(env?: Record<string, string>): Promise<void>;
}

export function useAgentsEngine(o: { env?: () => Record<string, string>; breaker?: Partial<BreakerOptions> } = {}): AgentsFixture {
  const prefix = uniquePrefix();
  const agentOs = new FakeAgentOs();
  const ollama = new FakeOllama();
  const endpoint = new FakeEndpoint();
  let engine: TestEngine | undefined;
  let db: TestDatabase | undefined;
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useAgentsEngine: ${what} is not set up`);
    return v;
  };
  const env = (extra: Record<string, string> = {}) => ({ AGENT_OS_URL: agentOs.url, AGENT_OS_TOKEN: 'agent-os-secret-token', OLLAMA_URL: ollama.url, ...o.env?.(), ...extra });
  beforeAll(async () => {
    db = await cloneTestDatabase();
    await Promise.all([agentOs.start(), ollama.start(), endpoint.start()]);
    engine = await startAgentsEngine({ databaseUrl: db.url, prefix, env: env(), breaker: o.breaker });
  });
  afterAll(async () => {
    await engine?.stop();
    await Promise.all([agentOs.stop(), ollama.stop(), endpoint.stop()]);
    await db?.drop();
  });
  return {
    get engine() { return ready(engine, 'the engine'); },
    get db() { return ready(db, 'the database'); },
    prefix, agentOs, ollama, endpoint,
    async restart(extra) {
      await engine?.stop();
      engine = await startAgentsEngine({ databaseUrl: ready(db, 'the database').url, prefix, env: env(extra), breaker: o.breaker });
    },
  };
}

/** Creates an agent through the API and returns its id. */
export async function createAgent(e: TestEngine, body: Record<string, unknown> = {}): Promise<number> {
  const res = await e.request('POST', '/agents', { body: { name: 'preview writer', type: 'match-preview', concurrencyLimit: 2, agentOsName: 'match-preview-writer', ...body } });
  if (res.status !== 201) throw new Error(`agent not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function createTask(e: TestEngine, agentId: number, body: Record<string, unknown>): Promise<any> {
  const res = await e.request('POST', `/agents/${agentId}/tasks`, { body });
  if (res.status !== 202) throw new Error(`task not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Waits until the task reaches one of the states and returns it. */
export async function taskIn(e: TestEngine, taskId: number, states: string[], timeoutMs = 15_000): Promise<any> {
  let last: any;
  return waitFor(async () => {
    last = (await e.request('GET', `/tasks/${taskId}`)).body;
    return states.includes(last?.status) ? last : undefined;
  }, timeoutMs, `task ${taskId} to be ${states.join(' or ')}`).catch((err) => {
    throw new Error(`${(err as Error).message}; last: ${JSON.stringify(last)?.slice(0, 400)}`);
  });
}
