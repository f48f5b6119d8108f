// Queues that exercise the engine's primitives (defer, flows, typed enqueue, global concurrency) with
// real pipelines that leave observable effects in Redis.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { z } from 'zod';
import type { EngineDeps } from '../../src/engine.js';
import { defaultRetention, defineQueue, type JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';

type Ctx = JobContext<EngineDeps>;
const key = (ctx: Ctx, k: string) => `${ctx.deps.config.QUEUE_PREFIX}:test:${k}`;
const fast = { attempts: 3, delayMs: 100, maxDelayMs: 1_000 };

/** Defers itself `times` times by `ms`, recording each run's attempt; then completes. */
export const deferring = defineQueue({
  name: 'test-defer',
  description: 'defers itself N times, then completes',
  payload: z.object({ tag: z.string(), times: z.number().int().min(0), ms: z.number().int().min(0) }),
  retry: fast, timeoutMs: 5_000, concurrency: 1, retention: defaultRetention, recordRuns: true,
  handler: async () => async (p: { tag: string; times: number; ms: number }, ctx: Ctx) => {
    const runs = await ctx.deps.redis.rpush(key(ctx, `defer:${p.tag}`), String(ctx.attempt));
    if (runs <= p.times) return ctx.defer(p.ms, { reason: `run ${runs}` });
    return { runs, attempt: ctx.attempt, counts: {} };
  },
});

/** A child of a flow: doubles its number, or fails for good when told to. */
export const child = defineQueue({
  name: 'test-child',
  description: 'doubles a number or fails for good',
  payload: z.object({ n: z.number().int(), fail: z.boolean().default(false) }),
  retry: fast, timeoutMs: 5_000, concurrency: 4, retention: defaultRetention,
  handler: async () => async (p: { n: number; fail: boolean }) => {
    if (p.fail) throw new NonRetryableError(`child ${p.n} refused`);
    return { doubled: 2 * p.n };
  },
});

/**
 * A parent that adds its own children on its first run, waits for them without holding a worker, and
 * on the run after they are done returns their values and failures.
 */
export const parent = defineQueue({
  name: 'test-parent',
  description: 'adds children, waits for them, sums them',
  payload: z.object({ ns: z.array(z.number().int()), failing: z.array(z.number().int()).default([]) }),
  retry: fast, timeoutMs: 5_000, concurrency: 1, retention: defaultRetention,
  handler: async () => async (p: { ns: number[]; failing: number[] }, ctx: Ctx) => {
    await ctx.deps.redis.incr(key(ctx, `parent-runs:${ctx.jobId}`));
    let done = await ctx.children();
    if (!done.values.length && !done.failures.length) {
      // First run (or a re-run after a crash before its children finished): deterministic child ids make
      // a repeated add a no-op.
      const children = p.ns.map((n) => ({ def: child, payload: { n, fail: p.failing.includes(n) }, jobId: `${ctx.jobId}-n${n}` }));
      await ctx.deps.flows.addChildren({ def: parent, jobId: ctx.jobId }, children, { firstWave: 2 });
      await ctx.waitForChildren();
      done = await ctx.children();
    }
    const { values, failures } = done;
    return {
      sum: values.reduce((s, v) => s + (v.value as { doubled: number }).doubled, 0),
      values: values.map((v) => `${v.queue}/${v.id}`).sort(),
      failures: failures.map((f) => `${f.queue}/${f.id}: ${f.reason}`),
    };
  },
});

/** Sleeps, counting how many of its jobs run at once across every process (in Redis). */
export const bounded = defineQueue({
  name: 'test-bounded',
  description: 'sleeps; one at a time across every replica',
  payload: z.object({ ms: z.number().int().min(0) }),
  retry: fast, timeoutMs: 5_000, concurrency: 4, globalConcurrency: 1, retention: defaultRetention,
  handler: async () => async (p: { ms: number }, ctx: Ctx) => {
    const live = await ctx.deps.redis.incr(key(ctx, 'bounded:live'));
    await ctx.deps.redis.rpush(key(ctx, 'bounded:max'), String(live));
    await sleepFor(p.ms);
    await ctx.deps.redis.decr(key(ctx, 'bounded:live'));
    return { live };
  },
});

/** Records its payload's value in run order (priority, debounce). */
export const recorder = defineQueue({
  name: 'test-record',
  description: 'records its payload value in run order',
  payload: z.object({ value: z.string(), holdMs: z.number().int().min(0).default(0), extra: z.record(z.string(), z.unknown()).optional() }),
  retry: fast, timeoutMs: 5_000, concurrency: 1, retention: defaultRetention,
  handler: async () => async (p: { value: string; holdMs: number }, ctx: Ctx) => {
    await ctx.deps.redis.rpush(key(ctx, 'recorded'), p.value);
    if (p.holdMs) await sleepFor(p.holdMs);
    return { value: p.value };
  },
});

export const primitiveQueues = [deferring, child, parent, bounded, recorder];
