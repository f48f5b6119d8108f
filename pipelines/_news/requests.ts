// The RSS requests the news pipeline makes, with the recorded file names that answer them in replay mode
// (the layout of test/fixtures/news/).
import type { FetchRequest } from '../_feeds/source.js';
import { FEEDS, type RssFeed } from './rss.js';

/** Recorded file prefixes of the feeds we know; other feeds are looked up as `news/<name>`. */
const REPLAY_PREFIX: Record<string, string> = { bbc: 'news/bbc-', sky: 'news/skysports-' };

/**
 * The feed's own URL. Each feed has its own upstream client whose base URL is the feed URL, and the
 * client resolves request paths against that base with a trailing slash added ("…/rss.xml/"), so the
 * path must be absolute: the URL's own path and query, which resolve back to exactly the feed URL.
 */
export function rssRequest(feed: string, url: string): FetchRequest {
  const u = new URL(url);
  const known = Object.hasOwn(REPLAY_PREFIX, feed) ? REPLAY_PREFIX[feed] : undefined;
  return {
    key: `rss:${feed}`,
    path: `${u.pathname}${u.search}`,
    replay: [...(known ? [known] : []), `news/${feed}`],
  };
}

/** How a configured feed is read: BBC and Sky have their own rules (Sky's feed covers every sport). */
export function rssFeedFor(feed: string, url: string): RssFeed {
  const known = Object.hasOwn(FEEDS, feed) ? (FEEDS as Record<string, RssFeed>)[feed] : undefined;
  return known ? { ...known, url } : { provider: feed, url };
}

/** Quarantine/cursor source of a feed: `rss.<provider>`, as transformRss names its quarantined items. */
export const rssSource = (feed: RssFeed) => `rss.${feed.provider}`;
