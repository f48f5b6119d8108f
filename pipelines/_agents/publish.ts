// Real-time updates for the backend's WebSocket gateway: one Redis pub/sub channel, a versioned JSON
// message per change, named as the gateway's clients already listen (agentTaskUpdate …). Pub/sub is
// at-most-once: the agent_events rows are the record; a client re-reads them after a reconnect.
import type { RedisClient } from '../../src/redis.js';

export const AGENT_EVENT_NAMES = ['agentStatusUpdate', 'agentTaskUpdate', 'agentEvent', 'agentInsight', 'agentError', 'agentPerformanceUpdate'] as const;
export type AgentEventName = (typeof AGENT_EVENT_NAMES)[number];

export const agentsChannel = (prefix: string) => `${prefix}:agents:events`;

export interface AgentMessage {
  version: 1;
  event: AgentEventName;
  /** Ids as strings, times as ISO strings (the gateway forwards the payload untouched). */
  agentId: string;
  at: string;
  data: unknown;
}

export class AgentPublisher {
  readonly channel: string;

  constructor(private readonly redis: RedisClient, prefix: string) {
    this.channel = agentsChannel(prefix);
  }

  /** The message as published (for callers that publish it with other Redis work in one round trip). */
  message(event: AgentEventName, agentId: number, data: unknown, at = new Date().toISOString()): string {
    const msg: AgentMessage = { version: 1, event, agentId: String(agentId), at, data };
    return JSON.stringify(msg);
  }

  /**
   * Best effort: a failed publish never fails the change it reports (the event row already holds it).
   * Not waited for: commands on one connection keep their order, so messages of one process arrive in
   * the order of its changes, and a task's end does not wait for a round trip that cannot fail it.
   */
  publish(event: AgentEventName, agentId: number, data: unknown): Promise<void> {
    this.redis.publish(this.channel, this.message(event, agentId, data)).catch(() => {});
    return Promise.resolve();
  }
}
