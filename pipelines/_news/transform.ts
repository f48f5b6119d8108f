// News ingestion transforms (pure): RSS feeds → articles, canonical links, team linking, team-news flags.
export { canonicalLink, httpsHostsOf, type CanonicalLinkOptions } from './canonical-link.js';
export { classifyTeamNews, type TeamNewsFlag } from './flags.js';
export { dedupeByLink, FEEDS, transformRss, type RssArticle, type RssFeed, type RssTransformResult } from './rss.js';
export { linkTeams, type LinkableArticle, type LinkableTeam } from './team-linking.js';
export { decodeEntities, foldText, htmlToText, parseFeedDate } from './text.js';
