// What /status and the queue gauges report, read from Redis.
import type { Job } from 'bullmq';
import type { RedisClient } from './redis.js';
import type { ScheduleOverride } from './config.js';
import type { Producer } from './queue/producer.js';
import { effectiveSchedule, lastRunKey, schedulePeriodMs } from './queue/schedules.js';

export interface BreakerInfo {
  name: string;
  state: 'closed' | 'open' | 'half-open';
  [k: string]: unknown;
}

/** Later features (upstream clients) register their circuit breakers here. */
export class BreakerRegistry {
  private readonly sources = new Map<string, () => BreakerInfo>();
  private readonly details = new Map<string, () => Record<string, unknown>>();
  register(name: string, read: () => BreakerInfo) {
    this.sources.set(name, read);
  }
  /** Adds a feature's details to a breaker's entry (e.g. the upstream's own health check). */
  addDetails(name: string, read: () => Record<string, unknown>) {
    this.details.set(name, read);
  }
  list(): BreakerInfo[] {
    return [...this.sources.entries()].map(([name, read]) => ({ ...read(), ...this.details.get(name)?.() }));
  }
}

/**
 * Since when a waiting job has been ready to run: its creation plus the delay it was created with (a
 * scheduled tick, a delayed or debounced job is not waiting before it is due), or the start of its last
 * attempt (a retried or deferred job; it then counts its backoff too, BullMQ keeps no due time once a
 * delayed job is promoted).
 */
function waitingSince(job: Job): number {
  return Math.max(job.timestamp + (job.opts.delay ?? 0), job.processedOn ?? 0);
}

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

export class Status {
  constructor(
    private readonly producer: Producer,
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly overrides: Readonly<Record<string, ScheduleOverride>>,
    readonly breakers: BreakerRegistry,
  ) {}

  async queueStats() {
    return Promise.all(
      [...this.producer.queues.entries()].map(async ([name, q]) => {
        // The oldest of the plain waiting jobs (FIFO) and the next prioritised job to run (a queue whose
        // jobs all carry a priority, such as agent tasks, has nothing in `wait`).
        const [counts, oldest, nextPrioritised, isPaused, workers] = await Promise.all([
          q.getJobCounts(...STATES), q.getJobs(['wait'], 0, 0, true), q.getJobs(['prioritized'], 0, 0, true), q.isPaused(), q.getWorkersCount().catch(() => null),
        ]);
        const since = [...oldest, ...nextPrioritised].map(waitingSince);
        // BullMQ 6 no longer reports paused jobs as a state: a paused queue's waiting jobs are the paused ones.
        counts.paused = isPaused ? (counts.waiting ?? 0) : 0;
        return {
          queue: name,
          paused: isPaused,
          counts: counts as Record<string, number>,
          /** Worker connections Redis lists for the queue (BullMQ's registry); null when CLIENT LIST fails. */
          workers,
          oldestWaitingAgeSeconds: since.length ? Math.max(0, (Date.now() - Math.min(...since)) / 1000) : 0,
        };
      }),
    );
  }

  async full() {
    const [stats, lastRuns, schedules] = await Promise.all([this.queueStats(), this.redis.hgetall(lastRunKey(this.prefix)), this.schedules()]);
    return {
      queues: stats.map((s) => ({ name: s.queue, description: this.producer.def(s.queue).description, paused: s.paused, counts: s.counts, workers: s.workers, oldestWaitingAgeSeconds: Math.round(s.oldestWaitingAgeSeconds * 1000) / 1000 })),
      schedules: schedules.map((s) => ({ ...s, lastRun: lastRuns[s.queue] ? JSON.parse(lastRuns[s.queue]!) : null })),
      breakers: this.breakers.list(),
    };
  }

  /** Each enabled schedule's period and the age of its last tick (any process's), for the gauges. */
  async scheduleAges(now = Date.now()) {
    const lastRuns = await this.redis.hgetall(lastRunKey(this.prefix));
    const out: Array<{ queue: string; periodSeconds: number; lastRunAgeSeconds: number | null }> = [];
    for (const def of this.producer.defs.values()) {
      const period = schedulePeriodMs(def, this.overrides);
      if (period === undefined) continue;
      const raw = lastRuns[def.name];
      const at = raw ? Number((JSON.parse(raw) as { at?: unknown }).at) : NaN;
      out.push({ queue: def.name, periodSeconds: period / 1000, lastRunAgeSeconds: Number.isFinite(at) ? Math.max(0, (now - at) / 1000) : null });
    }
    return out;
  }

  private async schedules() {
    const out = [];
    for (const def of this.producer.defs.values()) {
      if (!def.schedule) continue;
      const eff = effectiveSchedule(def, this.overrides);
      const registered = eff ? await this.producer.queue(def.name).getJobScheduler(def.name) : undefined;
      out.push({
        queue: def.name,
        enabled: Boolean(eff),
        pattern: eff?.pattern ?? null,
        tz: eff?.tz ?? null,
        everyMs: eff?.everyMs ?? null,
        missed: def.schedule.missed,
        nextRun: registered?.next ? new Date(registered.next).toISOString() : null,
      });
    }
    return out;
  }
}
