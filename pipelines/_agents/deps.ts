// What the agents pipelines get besides the engine's deps (wired in src/app/deps.ts): the Agent OS and
// Ollama clients (null when not configured), the LLM call slots, admission leases, the publisher, the
// service shared with the routes, and the feature's metrics.
import type { EngineDeps } from '../../src/engine.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import type { Slots } from '../../src/queue/slots.js';
import type { BreakerOptions } from '../../src/upstream/breaker.js';
import { AgentAdmission } from './admission.js';
import { taskBatches, type TaskBatches } from './batch.js';
import { AGENT_OS_UPSTREAM, AgentOsClient } from './agent-os.js';
import { createAgentMetrics, type AgentMetrics } from './metrics.js';
import { OLLAMA_UPSTREAM, OllamaClient } from './ollama.js';
import { AgentPublisher } from './publish.js';
import { AgentsService } from './service.js';

export interface AgentsDepsOptions {
  /** The engine's queues (the enqueue task kind may start any of them). */
  queues: readonly QueueDefinition[];
  /** Circuit breakers of the Agent OS and Ollama clients (tests use small windows). */
  breaker?: Partial<BreakerOptions>;
}

export interface AgentsDeps {
  agentOs: AgentOsClient | null;
  ollama: OllamaClient | null;
  llmSlots: Slots;
  admission: AgentAdmission;
  agentPublisher: AgentPublisher;
  agents: AgentsService;
  agentMetrics: AgentMetrics;
  /** Task starts and ends of concurrent jobs, one statement per batch. */
  taskBatches: TaskBatches;
  /** The engine's queues by name. */
  engineQueues: ReadonlyMap<string, QueueDefinition>;
}

export type AgentsEngineDeps = EngineDeps & AgentsDeps;

export function createAgentsDeps(base: EngineDeps, o: AgentsDepsOptions): AgentsDeps {
  const { config } = base;
  const agentOs = config.AGENT_OS_URL
    ? new AgentOsClient(
        base.upstream({
          name: AGENT_OS_UPSTREAM,
          baseUrl: config.AGENT_OS_URL,
          requestTimeoutMs: 15_000,
          headersTimeoutMs: 15_000,
          bodyTimeoutMs: 15_000,
          rateLimit: config.RATE_LIMITS_ENABLED ? { max: config.AGENT_OS_RATE_LIMIT_PER_MIN, perMs: 60_000 } : undefined,
          headers: config.AGENT_OS_TOKEN ? { authorization: `Bearer ${config.AGENT_OS_TOKEN}` } : {},
          ...(o.breaker ? { breaker: o.breaker } : {}),
        }),
      )
    : null;
  const ollama = config.OLLAMA_URL
    ? new OllamaClient(
        base.upstream({
          name: OLLAMA_UPSTREAM,
          baseUrl: config.OLLAMA_URL,
          connections: config.OLLAMA_PARALLELISM + 2,
          requestTimeoutMs: config.OLLAMA_TIMEOUT_MS,
          headersTimeoutMs: config.OLLAMA_TIMEOUT_MS,
          bodyTimeoutMs: config.OLLAMA_TIMEOUT_MS,
          ...(o.breaker ? { breaker: o.breaker } : {}),
        }),
        config.OLLAMA_MODEL,
      )
    : null;
  // /status shows the Ollama breaker with the server's health (version, model present), refreshed in the
  // background at most every 30 s so /status never waits for Ollama.
  if (ollama) base.breakers.addDetails(OLLAMA_UPSTREAM, () => ({ health: ollama.cachedHealth() }));
  const engineQueues = new Map(o.queues.map((q) => [q.name, q]));
  // Every task takes a lease, publishes its start, and frees the lease with its end's messages: on the
  // batched connection, the commands of concurrent tasks share writes.
  const agentPublisher = new AgentPublisher(base.redisBatched, config.QUEUE_PREFIX);
  const admission = new AgentAdmission(base.redisBatched, config.QUEUE_PREFIX);
  return {
    agentOs,
    ollama,
    llmSlots: base.slots('ollama', config.OLLAMA_PARALLELISM, { leaseMs: config.OLLAMA_TIMEOUT_MS + 5_000 }),
    admission,
    agentPublisher,
    agents: new AgentsService({ db: base.db, sql: base.sql, redis: base.redis, prefix: config.QUEUE_PREFIX, enqueue: base.enqueue, enqueueBulk: base.enqueueBulk, publisher: agentPublisher, admission, queues: engineQueues }),
    agentMetrics: createAgentMetrics(base.metrics.registry),
    taskBatches: taskBatches(base.sql),
    engineQueues,
  };
}
