// The feed sources pipelines use, built once per process from configuration: the network through one
// resilient client per upstream, or the recorded payloads of FEEDS_REPLAY_DIR.
import type { EngineDeps } from '../../src/engine.js';
import { httpSource, replaySource, type FeedSource } from './source.js';
import { cursorReader, type CursorReader } from './store.js';

export interface IngestDeps {
  espn: FeedSource;
  openMeteo: { forecast: FeedSource; archive: FeedSource; geocoding: FeedSource };
  news: Map<string, FeedSource>;
  /** name → URL of the configured RSS feeds. */
  newsFeeds: ReadonlyMap<string, string>;
  /** The feeds' last-loaded cursors (ETag, Last-Modified, content hash). */
  readCursor: CursorReader;
}

export function createIngestDeps(base: EngineDeps): IngestDeps {
  const c = base.config;
  const newsFeeds = c.NEWS_FEEDS;
  const perMin = (max: number) => (c.RATE_LIMITS_ENABLED ? { rateLimit: { max, perMs: 60_000 } } : {});
  const breaker = { volumeThreshold: c.UPSTREAM_BREAKER_VOLUME, errorThresholdPercentage: 50, resetTimeoutMs: c.UPSTREAM_BREAKER_RESET_MS, rollingWindowMs: 60_000 };
  const readCursor = cursorReader(base.sql);
  if (c.FEEDS_REPLAY_DIR) {
    const dir = c.FEEDS_REPLAY_DIR;
    return {
      espn: replaySource(dir, 'espn'),
      openMeteo: { forecast: replaySource(dir, 'open-meteo'), archive: replaySource(dir, 'open-meteo-archive'), geocoding: replaySource(dir, 'open-meteo-geocoding') },
      news: new Map([...newsFeeds.keys()].map((name) => [name, replaySource(dir, `rss:${name}`)])),
      newsFeeds,
      readCursor,
    };
  }
  const up = (name: string, baseUrl: string, max: number, extra: object = {}) =>
    httpSource(base.upstream({ name, baseUrl, connections: 8, requestTimeoutMs: c.UPSTREAM_TIMEOUT_MS, headersTimeoutMs: c.UPSTREAM_TIMEOUT_MS, bodyTimeoutMs: c.UPSTREAM_TIMEOUT_MS, maxResponseBytes: 8 * 1024 * 1024, breaker, ...perMin(max), ...extra }));
  return {
    espn: up('espn', c.ESPN_BASE_URL, c.ESPN_RATE_LIMIT_PER_MIN),
    openMeteo: {
      forecast: up('open-meteo', c.OPEN_METEO_FORECAST_URL, c.OPEN_METEO_RATE_LIMIT_PER_MIN),
      archive: up('open-meteo-archive', c.OPEN_METEO_ARCHIVE_URL, c.OPEN_METEO_RATE_LIMIT_PER_MIN),
      geocoding: up('open-meteo-geocoding', c.OPEN_METEO_GEOCODING_URL, c.OPEN_METEO_RATE_LIMIT_PER_MIN),
    },
    news: new Map([...newsFeeds].map(([name, url]) => [name, up(`rss-${name}`, url, c.NEWS_RATE_LIMIT_PER_MIN, { headers: { accept: 'application/rss+xml, application/xml;q=0.9, */*;q=0.5' } })])),
    newsFeeds,
    readCursor,
  };
}

export type IngestPipelineDeps = EngineDeps & IngestDeps;
