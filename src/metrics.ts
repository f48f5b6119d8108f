// Prometheus metrics (prom-client), one registry per engine instance. The engine's own metrics carry the
// prefix `matchday_`; Node's default metrics keep the ecosystem's names (`process_cpu_seconds_total`,
// `nodejs_eventloop_lag_seconds` …) so standard Node.js dashboards and alerts find them.
// Counters come from the job wrapper. Gauges marked CLUSTER-WIDE are read from Redis (or PostgreSQL) at
// scrape time: every process exports the same value, so queries aggregate them with `max by (…)`, never
// `sum` (ops/prometheus/rules/matchday.yml, README "Alerts and runbooks").
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'matchday_';

/** Said in the HELP text of every gauge that each process exports with the same value. */
export const CLUSTER_WIDE = 'Cluster-wide: every process exports the same value, aggregate with max by (...), not sum.';

export interface QueueGauges { queue: string; counts: Record<string, number>; oldestWaitingAgeSeconds: number; workers: number | null }
export type QueueGaugeReader = () => Promise<QueueGauges[]>;
export interface ScheduleGauges { queue: string; periodSeconds: number; lastRunAgeSeconds: number | null }

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const p = METRIC_PREFIX;
  const breakerOpenSince = new Map<string, () => number | null>();
  const m = {
    registry,
    jobDuration: new Histogram({
      name: `${p}job_duration_seconds`,
      help: 'Time a job attempt ran, by queue and outcome',
      labelNames: ['queue', 'outcome'] as const,
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 120, 600],
      registers: [registry],
    }),
    jobsCompleted: new Counter({ name: `${p}jobs_completed_total`, help: 'Jobs that completed', labelNames: ['queue'] as const, registers: [registry] }),
    jobsFailed: new Counter({ name: `${p}jobs_failed_total`, help: 'Jobs that failed for good (no attempt left or not retryable)', labelNames: ['queue'] as const, registers: [registry] }),
    jobsRetried: new Counter({ name: `${p}jobs_retried_total`, help: 'Failed attempts that will be retried', labelNames: ['queue'] as const, registers: [registry] }),
    jobsDeadLettered: new Counter({ name: `${p}jobs_dead_lettered_total`, help: 'Jobs recorded in the dead-letter table', labelNames: ['queue'] as const, registers: [registry] }),
    jobsStalled: new Counter({ name: `${p}jobs_stalled_total`, help: 'Jobs found stalled (their worker died) and recovered', labelNames: ['queue'] as const, registers: [registry] }),
    jobsDeferred: new Counter({ name: `${p}jobs_deferred_total`, help: 'Job runs that deferred themselves (ctx.defer): back to delayed without counting an attempt', labelNames: ['queue'] as const, registers: [registry] }),
    jobsPutBack: new Counter({ name: `${p}jobs_put_back_total`, help: 'Jobs aborted at the shutdown deadline and put back to waiting without counting an attempt', labelNames: ['queue'] as const, registers: [registry] }),
    bookkeepingBuffered: new Counter({ name: `${p}bookkeeping_buffered_total`, help: 'Job records (dead letters, pipeline runs) PostgreSQL did not take at once, kept in Redis', labelNames: ['kind'] as const, registers: [registry] }),
    bookkeepingReplayed: new Counter({ name: `${p}bookkeeping_replayed_total`, help: 'Kept job records written to PostgreSQL by this process', labelNames: ['kind'] as const, registers: [registry] }),
    bookkeepingRejected: new Counter({ name: `${p}bookkeeping_rejected_total`, help: 'Kept job records PostgreSQL refuses for good, set aside in Redis', labelNames: ['kind'] as const, registers: [registry] }),
    scheduleMissedTicks: new Counter({ name: `${p}schedule_missed_ticks_total`, help: 'Scheduled ticks skipped because they started more than one period late', labelNames: ['queue'] as const, registers: [registry] }),
    upstreamRequests: new Counter({ name: `${p}upstream_requests_total`, help: 'Requests to upstream services by outcome class (2xx, 3xx, 4xx, 5xx, error)', labelNames: ['upstream', 'status_class'] as const, registers: [registry] }),
    upstreamDuration: new Histogram({
      name: `${p}upstream_request_duration_seconds`,
      help: 'Upstream request duration, headers and body',
      labelNames: ['upstream'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamRetryAfterCapped: new Counter({ name: `${p}upstream_retry_after_capped_total`, help: 'Retry-After delays longer than UPSTREAM_MAX_RETRY_AFTER_MS, cut to it', labelNames: ['upstream'] as const, registers: [registry] }),
    upstreamRateLimited: new Counter({ name: `${p}upstream_rate_limited_total`, help: 'Requests delayed or deferred by the shared rate limit', labelNames: ['upstream'] as const, registers: [registry] }),
    circuitState: new Gauge({ name: `${p}circuit_state`, help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open', labelNames: ['upstream'] as const, registers: [registry] }),
    /** Registered by each breaker: since when (epoch ms) it has not been closed, null when closed. */
    watchBreaker(upstream: string, notClosedSince: () => number | null) {
      breakerOpenSince.set(upstream, notClosedSince);
    },
    circuitOpenSeconds: new Gauge({
      name: `${p}circuit_open_seconds`,
      help: 'Seconds since the breaker left closed, through its half-open probes and re-openings (0 when closed)',
      labelNames: ['upstream'] as const,
      registers: [registry],
      collect() {
        const now = Date.now();
        for (const [upstream, since] of breakerOpenSince) {
          const at = since();
          this.set({ upstream }, at === null ? 0 : Math.max(0, (now - at) / 1000));
        }
      },
    }),
    circuitTransitions: new Counter({ name: `${p}circuit_transitions_total`, help: 'Circuit breaker transitions by target state', labelNames: ['upstream', 'to'] as const, registers: [registry] }),
    httpDuration: new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: 'HTTP request duration by route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers: [registry],
    }),
    /** Wired by the engine: the job records waiting in Redis for PostgreSQL, read at scrape time. */
    setBookkeepingBacklogReader(read: () => Promise<number>) {
      new Gauge({
        name: `${p}bookkeeping_backlog`,
        help: `Job records (dead letters, pipeline runs) kept in Redis until PostgreSQL takes them; -1 when Redis does not answer. ${CLUSTER_WIDE}`,
        registers: [registry],
        async collect() {
          this.set(await read().catch(() => -1));
        },
      });
    },
    /** Wired by the engine: reads queue gauges at scrape time. */
    setQueueGaugeReader(read: QueueGaugeReader) {
      // The promise is cached, so the gauges of one scrape (collected concurrently) share one read.
      let cache: { at: number; value: Promise<QueueGauges[]> } | undefined;
      const cached = () => {
        if (!cache || Date.now() - cache.at > 1_000) cache = { at: Date.now(), value: read().catch(() => []) };
        return cache.value;
      };
      new Gauge({
        name: `${p}queue_jobs`,
        help: `Jobs in each queue by state, read from Redis at scrape time. ${CLUSTER_WIDE}`,
        labelNames: ['queue', 'state'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          for (const q of await cached()) for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.queue, state }, n);
        },
      });
      new Gauge({
        name: `${p}queue_oldest_waiting_age_seconds`,
        help: `Age of the oldest waiting job per queue (0 when none waits). ${CLUSTER_WIDE}`,
        labelNames: ['queue'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          for (const q of await cached()) this.set({ queue: q.queue }, q.oldestWaitingAgeSeconds);
        },
      });
      new Gauge({
        name: `${p}queue_workers`,
        help: `Worker connections Redis lists for each queue (BullMQ's worker registry, CLIENT LIST), from every process. ${CLUSTER_WIDE}`,
        labelNames: ['queue'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          for (const q of await cached()) if (q.workers !== null) this.set({ queue: q.queue }, q.workers);
        },
      });
    },
    /** Wired by the engine: each enabled schedule's period and the age of its last tick, read at scrape time. */
    setScheduleGaugeReader(read: () => Promise<ScheduleGauges[]>) {
      let cache: { at: number; value: Promise<ScheduleGauges[]> } | undefined;
      const cached = () => {
        if (!cache || Date.now() - cache.at > 1_000) cache = { at: Date.now(), value: read().catch(() => []) };
        return cache.value;
      };
      new Gauge({
        name: `${p}schedule_period_seconds`,
        help: `Interval between two ticks of each enabled schedule (after SCHEDULES overrides). ${CLUSTER_WIDE}`,
        labelNames: ['queue'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          for (const s of await cached()) this.set({ queue: s.queue }, s.periodSeconds);
        },
      });
      new Gauge({
        name: `${p}schedule_last_run_age_seconds`,
        help: `Seconds since the last tick of each schedule ran (completed or skipped as missed); absent before its first tick. ${CLUSTER_WIDE}`,
        labelNames: ['queue'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          for (const s of await cached()) if (s.lastRunAgeSeconds !== null) this.set({ queue: s.queue }, s.lastRunAgeSeconds);
        },
      });
    },
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
