// Per-agent concurrency across every replica, in priority order: the engine's token leases
// (src/queue/lease.ts), one key per agent, the task id as the token.
//
// Why not `deps.slots`: a slot bounds one call inside one run of a handler, but an agent-os task runs for
// minutes across many runs (it defers between polls and holds no worker), and its agent's limit must
// count it the whole time. So a task holds a lease under its own id: each run of its job extends it, the
// task's end releases it, and a process that dies lets it expire (LEASE_MS; a long in-process run
// extends it meanwhile).
//
// A task that finds no free lease joins the agent's line, ordered by priority then age, and its job
// defers itself: it holds no worker while it waits. A free lease never goes to a task while a task of a
// higher priority waits, so a CRITICAL task behind 1,000 LOW ones of the same agent starts next.
import type { RedisClient } from '../../src/redis.js';
import { TokenLeases, type LeaseGrant } from '../../src/queue/lease.js';
import { BULL_PRIORITY, type Priority } from './schemas.js';

export const LEASE_MS = 120_000;
const STALE_MS = 30_000;

/** Line order: priority band first, then the task's age (its id grows with creation). */
export const lineScore = (priority: Priority, taskId: number) => bandStart(priority) + taskId;
const bandStart = (priority: Priority) => BULL_PRIORITY[priority] * 1e10;
const agentKey = (agentId: number) => `agent:${agentId}`;

export class AgentAdmission {
  private readonly leases: TokenLeases;

  constructor(redis: RedisClient, prefix: string) {
    this.leases = new TokenLeases(redis, prefix, { leaseMs: LEASE_MS, staleMs: STALE_MS });
  }

  /**
   * Takes (or extends) the task's lease; otherwise says its place in the line (0 = head). Without a
   * `limit`, the cached one is used; `unknown` means there is none cached (load the agent, then `cacheLimit`).
   */
  acquire(agentId: number, limit: number | null, taskId: number, priority: Priority): Promise<LeaseGrant> {
    return this.leases.acquire(agentKey(agentId), String(taskId), { limit, order: lineScore(priority, taskId), bandStart: bandStart(priority) });
  }

  /** Caches an agent's limit for the fast path (set on create, change and whenever a task loaded the agent). */
  cacheLimit(agentId: number, limit: number | null): Promise<void> {
    return this.leases.cacheLimit(agentKey(agentId), limit);
  }

  /**
   * Frees the task's lease (and its place in the line), publishing `announce` in the same round trip.
   * Idempotent, never throws; callers need not wait (a lost release expires by itself).
   */
  release(agentId: number, taskId: number, announce?: { channel: string; messages: readonly string[] }): Promise<void> {
    return this.leases.release(agentKey(agentId), String(taskId), announce);
  }

  /** Tasks holding a lease now (for tests and status). */
  holders(agentId: number): Promise<number> {
    return this.leases.holders(agentKey(agentId));
  }

  /** The Redis key of the agent's waiting line (tests look at who waits). */
  lineKey(agentId: number): string {
    return this.leases.lineKey(agentKey(agentId));
  }
}

/** How long a waiting task defers before asking again: soon at the head of the line, rarely far back. */
export const waitMs = (ahead: number) => Math.min(2_000, 50 * (ahead + 1));
