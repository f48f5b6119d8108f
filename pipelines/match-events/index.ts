// Consumes match change events. Each consumer is a function of the event; they run in order and each
// must be idempotent (an event can be delivered twice).
import type { JobContext } from '../../src/queue/define.js';
import type { EngineDeps } from '../../src/engine.js';
import type { MatchEventConsumer, MatchEventMessage } from '../_feeds/events.js';

export async function run(event: MatchEventMessage, ctx: JobContext<EngineDeps & { matchEventConsumers?: MatchEventConsumer[] }>) {
  const consumers = ctx.deps.matchEventConsumers ?? [];
  for (const consume of consumers) await consume(event, ctx.deps);
  ctx.log.info({ matchId: event.matchId, kind: event.kind }, 'match event');
  return { consumers: consumers.length };
}
