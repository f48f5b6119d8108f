import { z } from 'zod';
import { defaultRetention, defineQueue } from '../src/queue/define.js';
import { int4Id, INT4_MAX, text } from '../src/schemas.js';

const score = z.number().int().min(0).max(INT4_MAX);
/** A like or unlike targets a post or a comment: exactly one of the two. */
const likeTarget = { actorId: int4Id(), postId: int4Id().optional(), commentId: int4Id().optional() };
const oneTarget = (v: { postId?: number; commentId?: number }) => (v.postId === undefined) !== (v.commentId === undefined);
const targetIssue = { message: 'give exactly one of postId or commentId', path: ['postId'] };

/**
 * What happened in the social module (the backend did the CRUD; the engine notifies, fans out, counts).
 * `eventId`, when the backend gives one, makes a repeated delivery of the event one job.
 */
export const socialEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('post-created'), postId: int4Id(), eventId: text(200).optional() }).strict(),
  z.object({ type: z.literal('post-deleted'), postId: int4Id(), eventId: text(200).optional() }).strict(),
  z.object({ type: z.literal('comment-created'), commentId: int4Id(), eventId: text(200).optional() }).strict(),
  z.object({ type: z.literal('like'), ...likeTarget, eventId: text(200).optional() }).strict().refine(oneTarget, targetIssue),
  z.object({ type: z.literal('unlike'), ...likeTarget, eventId: text(200).optional() }).strict().refine(oneTarget, targetIssue),
  z.object({ type: z.literal('follow'), actorId: int4Id(), userId: int4Id(), eventId: text(200).optional() }).strict(),
  z.object({ type: z.literal('unfollow'), actorId: int4Id(), userId: int4Id(), eventId: text(200).optional() }).strict(),
  /** From the full-time match event (or a corrected score): settles every pick of the match. */
  z.object({ type: z.literal('prediction-settled'), matchId: int4Id(), homeScore: score, awayScore: score, eventId: text(200).optional() }).strict(),
  /** A kick-off, goal or full time of a match: its teams' followers are notified. */
  z.object({ type: z.literal('match-event'), matchId: int4Id(), kind: text(40), eventKey: text(200), homeScore: score.nullable(), awayScore: score.nullable(), eventId: text(200).optional() }).strict(),
]);

export type SocialEvent = z.output<typeof socialEvent>;

/**
 * The normal lane: every social event, and the whole fan-out of a small audience (up to
 * SOCIAL_FANOUT_CHUNK_SIZE recipients, inline). Larger audiences are planned here and fanned out on the
 * social-fanout lane, so a celebrity's post never queues in front of a small user's notification.
 * Retries: 5 attempts ≈ 3 s doubling; a bad reference (missing post, deleted post …) fails at once.
 */
export const socialEvents = defineQueue({
  name: 'social-events',
  description: 'Social events: recipient rules, counters, hashtags, coalesced likes and follows, small fan-outs inline',
  payload: socialEvent,
  retry: { attempts: 5, delayMs: 1_000, maxDelayMs: 30_000 },
  timeoutMs: 60_000,
  concurrency: 8,
  retention: defaultRetention,
  handler: () => import('../pipelines/social-events/index.js').then((m) => m.run),
});
