// Queues used by the engine's own tests. Their handlers are real pipelines (test/support/pipelines.ts)
// that leave observable effects in Redis; nothing of the engine is mocked.
import { z } from 'zod';
import { defaultRetention, defineQueue } from '../../src/queue/define.js';

const fast = { attempts: 3, delayMs: 100, maxDelayMs: 1_000 };

export const echo = defineQueue({
  name: 'test-echo',
  description: 'returns its payload',
  payload: z.object({ value: z.string().min(1), count: z.number().int().min(0).optional() }),
  retry: fast, timeoutMs: 5_000, concurrency: 4, retention: defaultRetention, recordRuns: true,
  handler: () => import('./pipelines.js').then((m) => m.echo),
});

export const sleepy = defineQueue({
  name: 'test-sleep',
  description: 'sleeps, honouring its AbortSignal, then records an effect once',
  payload: z.object({ ms: z.number().int().min(0), effectKey: z.string() }),
  retry: fast, timeoutMs: 60_000, concurrency: 2, retention: defaultRetention, recordRuns: true,
  handler: () => import('./pipelines.js').then((m) => m.sleep),
});

export const flaky = defineQueue({
  name: 'test-flaky',
  description: 'fails its first N attempts in the given way',
  payload: z.object({ failTimes: z.number().int().min(0), kind: z.enum(['retryable', 'non-retryable', 'retry-after']), retryAfterMs: z.number().int().optional() }),
  retry: fast, timeoutMs: 5_000, concurrency: 2, retention: defaultRetention, recordRuns: true,
  handler: () => import('./pipelines.js').then((m) => m.flaky),
});

export const slowTimeout = defineQueue({
  name: 'test-timeout',
  description: 'runs longer than its 300 ms timeout',
  payload: z.object({ ignoreSignal: z.boolean().default(false) }),
  retry: { attempts: 2, delayMs: 50, maxDelayMs: 100 }, timeoutMs: 300, concurrency: 1, retention: defaultRetention,
  handler: () => import('./pipelines.js').then((m) => m.neverEnding),
});

export const ticking = defineQueue({
  name: 'test-tick',
  description: 'scheduled every second; records each tick',
  payload: z.object({ tag: z.string() }),
  retry: fast, timeoutMs: 5_000, concurrency: 1, retention: defaultRetention,
  schedule: { everyMs: 1_000, missed: 'skip', payload: { tag: 'tick' } },
  handler: () => import('./pipelines.js').then((m) => m.tick),
});

export const testQueues = [echo, sleepy, flaky, slowTimeout, ticking];
