import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';

export const deliverPayload = z.object({
  notificationId: z.string().regex(/^[1-9]\d{0,18}$/, 'must be a notification id'),
  channel: z.enum(['push', 'email']),
}).strict();

/**
 * Push or email of one notification through the channel's webhook (its own rate limit and circuit
 * breaker): held during the user's quiet hours (a digest is sent when they end), refused over the daily
 * cap, every attempt and outcome recorded in delivery_attempts. Retries: 5 attempts ≈ 2 minutes.
 */
export const socialDeliver = defineQueue({
  name: 'social-deliver',
  description: 'Push or email of one notification (quiet hours, daily cap, attempts recorded)',
  payload: deliverPayload,
  retry: retryPresets.upstream,
  timeoutMs: 30_000,
  concurrency: 8,
  retention: defaultRetention,
  handler: () => import('../pipelines/social-deliver/index.js').then((m) => m.run),
});
