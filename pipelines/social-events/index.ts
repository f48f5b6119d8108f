// One social event: its reference check (a bad one fails for good, nothing written), counters,
// hashtags, and its notifications (small audiences inline, large ones planned onto the fan-out lane).
import type { JobContext } from '../../src/queue/define.js';
import type { SocialEvent } from '../../queues/social-events.js';
import type { SocialEngineDeps } from '../_social/deps.js';
import { handleSocialEvent } from '../_social/handle-event.js';

export async function run(event: SocialEvent, ctx: JobContext<SocialEngineDeps>) {
  const result = await handleSocialEvent(ctx.deps, event);
  ctx.log.info({ type: event.type, ...result }, 'social event');
  return result;
}
