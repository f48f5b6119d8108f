// What the social pipelines get besides the engine's deps (wired in src/app/deps.ts): the Socket.IO
// emitter on the engine's Redis, the settings they read, and their metrics.
import { Emitter } from '@socket.io/redis-emitter';
import { Counter, Histogram } from 'prom-client';
import type { EngineDeps } from '../../src/engine.js';
import { METRIC_PREFIX } from '../../src/metrics.js';
import type { Channels } from './deliver.js';
import { publisher, Realtime } from './realtime.js';

export interface SocialMetrics {
  notifications: Counter<'type'>;
  feedItems: Counter;
  chunkSeconds: Histogram;
}

export interface SocialDeps {
  realtime: Realtime;
  /** The push and email webhooks this deployment configures (absent channel: not sent). */
  socialChannels: Channels;
  socialMetrics: SocialMetrics;
}

export type SocialEngineDeps = EngineDeps & SocialDeps;

function createMetrics(base: EngineDeps): SocialMetrics {
  const registers = [base.metrics.registry];
  const p = METRIC_PREFIX;
  return {
    notifications: new Counter({ name: `${p}social_notifications_total`, help: 'Notification rows written or coalesced, by type', labelNames: ['type'] as const, registers }),
    feedItems: new Counter({ name: `${p}social_feed_items_total`, help: 'Home-feed rows written by fan-outs', registers }),
    chunkSeconds: new Histogram({ name: `${p}social_fanout_chunk_seconds`, help: 'Duration of one fan-out chunk (its INSERT … SELECT and checkpoint)', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers }),
  };
}

export function createSocialDeps(base: EngineDeps): SocialDeps {
  const { config } = base;
  // The emitter needs only a Redis client: each emit is one PUBLISH the backend's adapter receives.
  const emitter = new Emitter(publisher(base.redis, (err) => base.log.warn({ err: err.message }, 'socket.io emit lost')), { key: config.SOCKETIO_KEY });
  const channel = (name: string, url: string | undefined) => {
    if (url === undefined) return undefined;
    const u = new URL(url);
    const client = base.upstream({
      name, baseUrl: u.origin, requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000,
      rateLimit: { max: config.SOCIAL_WEBHOOK_RATE_LIMIT_PER_MIN, perMs: 60_000 },
    });
    return { client, path: `${u.pathname.slice(1)}${u.search}` };
  };
  const push = channel('push-webhook', config.SOCIAL_PUSH_WEBHOOK_URL);
  const email = channel('email-webhook', config.SOCIAL_EMAIL_WEBHOOK_URL);
  return {
    socialChannels: { ...(push ? { push } : {}), ...(email ? { email } : {}) },
    realtime: new Realtime(emitter.of(config.SOCKETIO_NAMESPACE), base.redis, config.QUEUE_PREFIX, config.PREDICTION_LIVE_TTL_SECONDS),
    socialMetrics: createMetrics(base),
  };
}
