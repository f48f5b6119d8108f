// The metrics registry on its own (no engine, no Redis): names, and what one scrape reads.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';

describe('metrics registry', () => {
  it("exports Node's defaults under the ecosystem's names and the engine's under matchday_", async () => {
    const m = createMetrics();
    const text = await m.registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toMatch(/^matchday_(process|nodejs)_/m);
    expect(text).toMatch(/^# TYPE matchday_job_duration_seconds histogram$/m);
  });

  it('reads the queue gauges once per scrape, shared by the gauges collected together', async () => {
    const m = createMetrics();
    let reads = 0;
    m.setQueueGaugeReader(async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 20));
      return [{ queue: 'q', counts: { waiting: 3 }, oldestWaitingAgeSeconds: 12, workers: 0 }];
    });
    const text = await m.registry.metrics();
    expect(reads).toBe(1);
    expect(text).toMatch(/^matchday_queue_jobs\{queue="q",state="waiting"\} 3$/m);
    expect(text).toMatch(/^matchday_queue_oldest_waiting_age_seconds\{queue="q"\} 12$/m);
    expect(text).toMatch(/^matchday_queue_workers\{queue="q"\} 0$/m);
  });

  it('leaves the worker count out when Redis cannot list its clients, rather than reporting 0 (no false alert)', async () => {
    const m = createMetrics();
    m.setQueueGaugeReader(async () => [{ queue: 'q', counts: { waiting: 0 }, oldestWaitingAgeSeconds: 0, workers: null }]);
    expect(await m.registry.metrics()).not.toMatch(/^matchday_queue_workers/m);
  });

  it('reports how long each breaker has not been closed', async () => {
    const m = createMetrics();
    let since: number | null = Date.now() - 90_000;
    m.watchBreaker('espn', () => since);
    expect(Number(/^matchday_circuit_open_seconds\{upstream="espn"\} ([\d.]+)$/m.exec(await m.registry.metrics())?.[1])).toBeCloseTo(90, 0);
    since = null;
    expect(await m.registry.metrics()).toMatch(/^matchday_circuit_open_seconds\{upstream="espn"\} 0$/m);
  });
});
