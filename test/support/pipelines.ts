import { setTimeout as sleepFor } from 'node:timers/promises';
import type { JobContext } from '../../src/queue/define.js';
import type { EngineDeps } from '../../src/engine.js';
import { NonRetryableError, RetryAfterError } from '../../src/queue/errors.js';

type Ctx = JobContext<EngineDeps>;
const key = (ctx: Ctx, k: string) => `${ctx.deps.config.QUEUE_PREFIX}:test:${k}`;

export async function echo(p: { value: string; count?: number }) {
  return { echoed: p.value, counts: { fetched: p.count ?? 1, inserted: p.count ?? 1 } };
}

export async function sleep(p: { ms: number; effectKey: string }, ctx: Ctx) {
  const r = ctx.deps.redis;
  // pid:attempt:start time, so tests can tell who ran it, as which attempt, and when.
  await r.rpush(key(ctx, `${p.effectKey}:starts`), `${process.pid}:${ctx.attempt}:${Date.now()}`);
  await sleepFor(p.ms, undefined, { signal: ctx.signal });
  // The effect: idempotent by construction (SET NX), and counted so a test can see duplicates.
  await r.incr(key(ctx, `${p.effectKey}:effects`));
  return { pid: process.pid };
}

export async function flaky(p: { failTimes: number; kind: string; retryAfterMs?: number }, ctx: Ctx) {
  await ctx.deps.redis.rpush(key(ctx, `flaky:${ctx.jobId}`), String(Date.now()));
  if (ctx.attempt <= p.failTimes) {
    if (p.kind === 'non-retryable') throw new NonRetryableError('upstream said 400');
    if (p.kind === 'retry-after') throw new RetryAfterError('upstream said 429', p.retryAfterMs ?? 1_000);
    throw new Error(`transient failure on attempt ${ctx.attempt}`);
  }
  return { attempt: ctx.attempt };
}

export async function neverEnding(p: { ignoreSignal: boolean }, ctx: Ctx) {
  const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await ctx.deps.redis.rpush(key(ctx, `timeout:${ctx.jobId}`), 'started');
  await aborted;
  await ctx.deps.redis.rpush(key(ctx, `timeout:${ctx.jobId}`), `aborted:${(ctx.signal.reason as Error).name}`);
  if (!p.ignoreSignal) throw ctx.signal.reason;
  await sleepFor(10_000);
  return 'too late';
}

export async function tick(_p: { tag: string }, ctx: Ctx) {
  await ctx.deps.redis.rpush(key(ctx, 'ticks'), `${process.pid}:${ctx.jobId}`);
  return { ok: true };
}
