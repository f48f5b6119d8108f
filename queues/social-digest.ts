import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { retryPresets } from '../src/queue/retry-presets.js';
import { int4Id } from '../src/schemas.js';

export const digestPayload = z.object({ userId: int4Id(), channel: z.enum(['push', 'email']) }).strict();

/** When a user's quiet hours end: the push (or email) held meanwhile, as one digest. Retries ≈ 2 minutes. */
export const socialDigest = defineQueue({
  name: 'social-digest',
  description: 'Sends the notifications held during quiet hours as one digest',
  payload: digestPayload,
  retry: retryPresets.upstream,
  timeoutMs: 30_000,
  concurrency: 2,
  retention: defaultRetention,
  handler: () => import('../pipelines/social-digest/index.js').then((m) => m.run),
});
