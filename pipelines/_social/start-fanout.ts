// Starts a fan-out: plans it, then notifies an audience of one chunk inline (a small user's followers are
// notified within the event's own job) or hands the chunks to the large-audience lane as one flow: a
// social-fanout parent with one social-fanout-chunk child per chunk. Ids are derived from the fan-out's
// id, so a repeated event adds nothing (flows.submit is idempotent by the parent's id).
import { socialFanout } from '../../queues/social-fanout.js';
import { socialFanoutChunk } from '../../queues/social-fanout-chunk.js';
import type { SocialEngineDeps } from './deps.js';
import { queueDeliveries } from './deliver.js';
import { completeFanout, planFanout, runChunk, type ChunkResult, type FanoutSpec } from './fanout.js';

export const parentJobId = (fanoutId: string) => `fanout-${fanoutId}`;
export const chunkJobId = (fanoutId: string, chunkNo: number) => `fanout-${fanoutId}-c${chunkNo}`;

export async function startFanout(deps: SocialEngineDeps, spec: FanoutSpec) {
  const plan = await planFanout(deps.sql, spec, deps.config.SOCIAL_FANOUT_CHUNK_SIZE);
  if (plan.chunks <= 1) {
    const res = plan.chunks ? await runAndEmit(deps, plan.id, 0) : null;
    await completeFanout(deps.sql, plan.id);
    return { fanoutId: plan.id, chunks: plan.chunks, recipients: plan.recipients, lane: 'inline', inserted: res?.inserted ?? 0, feed: res?.feed ?? 0 };
  }
  const { created } = await deps.flows.submit(
    { def: socialFanout, payload: { fanoutId: plan.id }, jobId: parentJobId(plan.id) },
    Array.from({ length: plan.chunks }, (_, chunkNo) => ({ def: socialFanoutChunk, payload: { fanoutId: plan.id, chunkNo }, jobId: chunkJobId(plan.id, chunkNo) })),
  );
  return { fanoutId: plan.id, chunks: plan.chunks, recipients: plan.recipients, lane: 'large', submitted: created };
}

/** Runs a chunk and emits for the rows it wrote (after its commit: a rolled-back row is never announced). */
export async function runAndEmit(deps: SocialEngineDeps, fanoutId: string, chunkNo: number): Promise<ChunkResult> {
  const end = deps.socialMetrics.chunkSeconds.startTimer();
  const res = await runChunk(deps.sql, fanoutId, chunkNo);
  end();
  if (!res.skipped) {
    deps.realtime.notify(res.groups);
    const type = res.groups[0]?.message.type;
    if (type) deps.socialMetrics.notifications.inc({ type }, res.inserted);
    deps.socialMetrics.feedItems.inc(res.feed);
    for (const g of res.groups) await queueDeliveries(deps, { dedupeKey: g.message.dedupeKey, recipients: g.recipients });
  }
  return res;
}
