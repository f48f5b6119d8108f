// One opossum circuit breaker per upstream. One early failure must not open it (volume threshold);
// 4xx answers and rate limiting say nothing about the upstream's health and are not counted.
import CircuitBreaker from 'opossum';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { BreakerRegistry } from '../status.js';
import { countsAgainstBreaker } from './errors.js';

export interface BreakerOptions {
  /** Calls in the rolling window before the error rate is judged. */
  volumeThreshold: number;
  errorThresholdPercentage: number;
  /** How long it stays open before letting a probe through (half-open). */
  resetTimeoutMs: number;
  rollingWindowMs: number;
  /** How long in all one job may wait for this breaker without spending attempts (UPSTREAM_BREAKER_MAX_WAIT_MS). */
  maxWaitMs: number;
}

export const defaultBreakerOptions: BreakerOptions = { volumeThreshold: 10, errorThresholdPercentage: 50, resetTimeoutMs: 30_000, rollingWindowMs: 60_000, maxWaitMs: 30 * 60_000 };

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export class UpstreamBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private openedAt = 0;
  private lastTransitionAt = Date.now();
  /** When it last left closed; null while closed. Half-open probes that fail do not reset it. */
  private notClosedSince: number | null = null;

  constructor(readonly name: string, readonly options: BreakerOptions, metrics: Metrics, registry: BreakerRegistry, log: Logger) {
    this.breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      timeout: false, // each request carries its own deadline (undici timeouts + AbortSignal)
      volumeThreshold: options.volumeThreshold,
      errorThresholdPercentage: options.errorThresholdPercentage,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingWindowMs,
      rollingCountBuckets: 10,
      errorFilter: (err: unknown) => !countsAgainstBreaker(err),
    });
    const moved = (to: keyof typeof STATE_VALUE) => () => {
      if (to === 'open') this.openedAt = Date.now();
      this.lastTransitionAt = Date.now();
      if (to === 'closed') this.notClosedSince = null;
      else this.notClosedSince ??= this.lastTransitionAt;
      metrics.circuitState.set({ upstream: name }, STATE_VALUE[to]);
      metrics.circuitTransitions.inc({ upstream: name, to });
      log[to === 'open' ? 'warn' : 'info']({ upstream: name, state: to }, `circuit ${to}`);
    };
    this.breaker.on('open', moved('open'));
    this.breaker.on('halfOpen', moved('half-open'));
    this.breaker.on('close', moved('closed'));
    metrics.circuitState.set({ upstream: name }, 0);
    metrics.watchBreaker(name, () => this.notClosedSince);
    registry.register(name, () => ({
      name,
      state: this.state,
      since: new Date(this.lastTransitionAt).toISOString(),
      retryInMs: this.state === 'open' ? this.remainingOpenMs() : 0,
      ...this.counts(),
    }));
  }

  get state(): 'closed' | 'open' | 'half-open' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** How long until the breaker lets a probe through. */
  remainingOpenMs(now = Date.now()): number {
    return Math.max(0, this.openedAt + this.options.resetTimeoutMs - now);
  }

  /** Half-open with its one probe in flight: every other call waits for the probe's result. */
  get probing(): boolean {
    return this.breaker.halfOpen && !this.breaker.pendingClose;
  }

  private counts() {
    const s = this.breaker.stats;
    return { successes: s.successes, failures: s.failures, rejects: s.rejects };
  }

  fire<T>(fn: () => Promise<T>): Promise<T> {
    return this.breaker.fire(fn) as Promise<T>;
  }

  shutdown() {
    this.breaker.shutdown();
  }
}
