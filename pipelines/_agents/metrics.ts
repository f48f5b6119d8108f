// Prometheus metrics of agent work, by agent type and task kind (never an agent or task id: the label
// sets stay as few as the types and kinds are).
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../../src/metrics.js';

const BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 120, 600, 1800];

export function createAgentMetrics(registry: Registry) {
  const registers = [registry];
  const p = METRIC_PREFIX;
  const existing = registry.getSingleMetric(`${p}agent_tasks_total`);
  // One registry per engine; a second agents deps on the same registry (tests) reuses the metrics.
  if (existing) {
    return {
      tasks: existing as Counter<'agent_type' | 'kind' | 'status'>,
      duration: registry.getSingleMetric(`${p}agent_task_duration_seconds`) as Histogram<'agent_type' | 'kind'>,
      queueWait: registry.getSingleMetric(`${p}agent_task_queue_wait_seconds`) as Histogram<'agent_type' | 'kind'>,
      insights: registry.getSingleMetric(`${p}agent_insights_total`) as Counter<'writer'>,
    };
  }
  return {
    tasks: new Counter({ name: `${p}agent_tasks_total`, help: 'Agent tasks that ended, by agent type, task kind and final status', labelNames: ['agent_type', 'kind', 'status'] as const, registers }),
    duration: new Histogram({ name: `${p}agent_task_duration_seconds`, help: 'Agent task run time (start to end), by agent type and task kind', labelNames: ['agent_type', 'kind'] as const, buckets: BUCKETS, registers }),
    queueWait: new Histogram({ name: `${p}agent_task_queue_wait_seconds`, help: 'Time an agent task waited before it started (queue, agent limit, stopped agent)', labelNames: ['agent_type', 'kind'] as const, buckets: BUCKETS, registers }),
    insights: new Counter({ name: `${p}agent_insights_total`, help: 'Insights stored, by writer (llm or template)', labelNames: ['writer'] as const, registers }),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
