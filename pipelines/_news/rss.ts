// RSS 2.0 feed (BBC, Sky…) → articles keyed and de-duplicated by canonical link.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { keyString, prop, quarantineOne, validateRecords, type TransformResult } from '../_feeds/transform.js';
import { canonicalLink, httpsHostsOf } from './canonical-link.js';
import { htmlToText, parseFeedDate, realText } from './text.js';

export interface RssFeed {
  /** Our name for the feed ('bbc', 'sky'): becomes `article.provider`. */
  provider: string;
  url: string;
  /** Keeps only matching items, judged on the canonical link (Sky's feed covers every sport). */
  includeLink?: (canonical: string) => boolean;
}

export const FEEDS = {
  bbc: { provider: 'bbc', url: 'https://feeds.bbci.co.uk/sport/football/rss.xml' },
  sky: {
    provider: 'sky',
    url: 'https://www.skysports.com/rss/12040',
    includeLink: (link: string) => new URL(link).pathname.startsWith('/football/'),
  },
} satisfies Record<string, RssFeed>;

export interface RssArticle {
  provider: string;
  /** The feed's guid, or the canonical link when the item has none (Sky). */
  guid: string;
  headline: string;
  description: string | null;
  link: string;
  published: Date;
  image: string | null;
  categories: string[];
}

export interface RssTransformResult extends TransformResult<RssArticle> {
  /** Items dropped because their canonical link repeats an earlier item (BBC lists some stories twice). */
  duplicates: number;
  /** Valid items the feed's `includeLink` rejected. */
  filteredOut: number;
  /**
   * Why the document as a whole cannot be read (not well-formed XML, cut short, not RSS), else null. It is
   * then also quarantined whole, and it has no records: the live pipeline fails the job (retryable).
   */
  unreadable: string | null;
}

// Elements that may repeat are always arrays, so one item or one category looks like many.
const ARRAY_PATHS = new Set(
  ['', '.category', '.media:thumbnail', '.media:content', '.enclosure'].map((suffix) => `rss.channel.item${suffix}`),
);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Titles such as "2026" must stay strings.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (_name, jpath) => ARRAY_PATHS.has(String(jpath)),
});

/** Text of an element parsed with attributes: either a string or `{ '#text': … }`. */
const textOf = z
  .union([z.string(), z.number(), z.object({ '#text': z.union([z.string(), z.number()]).optional() })], {
    error: (issue) => (issue.input === undefined ? 'missing' : 'expected text'),
  })
  .transform((v) => (typeof v === 'object' ? String(v['#text'] ?? '') : String(v)));

const mediaSchema = z.array(
  z.object({
    '@_url': z.string().optional(),
    '@_type': z.string().optional(),
    '@_medium': z.string().optional(),
    '@_width': z.string().optional(),
  }),
);
type Media = z.output<typeof mediaSchema>;

function bestImage(...groups: (Media | undefined)[]): string | null {
  const images = groups
    .flatMap((g) => g ?? [])
    .filter((m) => realText(m['@_url']) && (!m['@_type'] || m['@_type'].startsWith('image/')) && (!m['@_medium'] || m['@_medium'] === 'image'));
  // The widest rendition when widths are given, else the first.
  images.sort((a, b) => Number(b['@_width'] ?? 0) - Number(a['@_width'] ?? 0));
  return images[0]?.['@_url'] ?? null;
}

function itemSchema(provider: string, httpsHosts: ReadonlySet<string>) {
  return z
    .object({
      title: textOf,
      link: textOf,
      description: textOf.optional(),
      guid: textOf.optional(),
      pubDate: textOf,
      category: z.array(textOf).optional(),
      'media:thumbnail': mediaSchema.optional(),
      'media:content': mediaSchema.optional(),
      enclosure: mediaSchema.optional(),
    })
    .transform((item, ctx): RssArticle => {
      const headline = realText(htmlToText(item.title)) ?? '';
      const link = canonicalLink(item.link, { httpsHosts });
      const published = parseFeedDate(item.pubDate);
      if (headline === '') ctx.addIssue({ code: 'custom', path: ['title'], message: 'empty title' });
      if (link === null) ctx.addIssue({ code: 'custom', path: ['link'], message: `not an absolute http(s) URL: "${item.link}"` });
      if (published === null) ctx.addIssue({ code: 'custom', path: ['pubDate'], message: `not an RFC-822 date with a known zone: "${item.pubDate}"` });
      if (headline === '' || link === null || published === null) return z.NEVER;
      return {
        provider,
        guid: realText(item.guid) ?? link,
        headline,
        // Feeds print a missing description as "null", "undefined" or blanks: none of that is text.
        description: item.description === undefined ? null : realText(htmlToText(item.description)),
        link,
        published,
        image: bestImage(item['media:thumbnail'], item['media:content'], item.enclosure),
        categories: (item.category ?? []).map(realText).filter((c): c is string => c !== null),
      };
    });
}

const BARE_AMPERSAND = /&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][\w.-]*;)/g;

/** Parses the XML; every item is validated on its own, then de-duplicated on the canonical link. */
export function transformRss(xml: string, feed: RssFeed): RssTransformResult {
  const source = `rss.${feed.provider}`;
  // The parser is lenient: a document cut short after some items reads as a shorter (or empty) feed.
  // Only a well-formed document is a feed, bar the unescaped "&" in URLs real feeds are full of.
  const wellFormed = XMLValidator.validate(xml.replace(BARE_AMPERSAND, '&amp;'));
  if (wellFormed !== true) return feedFailure(source, feed, xml, `XML does not parse: ${describeXmlError(wellFormed.err)}`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    return feedFailure(source, feed, xml, `XML does not parse: ${(err as Error).message}`);
  }
  const channel = prop(prop(doc, 'rss'), 'channel');
  if (typeof channel !== 'object' || channel === null) return feedFailure(source, feed, xml, 'no rss > channel element');
  const rawItems = prop(channel, 'item');
  const items = Array.isArray(rawItems) ? (rawItems as unknown[]) : [];

  // The scheme is upgraded only for hosts this very feed already serves over https.
  const urls = [keyString(prop(channel, 'link')), ...items.map((i) => keyString(prop(i, 'link')))];
  const httpsHosts = httpsHostsOf(urls.filter((u): u is string => u !== undefined));

  // Quarantined items are keyed like valid ones (canonical link), else by guid.
  const validated = validateRecords(source, items, itemSchema(feed.provider, httpsHosts), (raw) => {
    const link = keyString(prop(raw, 'link')) ?? keyString(prop(prop(raw, 'link'), '#text'));
    const canonical = link === undefined ? null : canonicalLink(link, { httpsHosts });
    return canonical ?? link ?? keyString(prop(prop(raw, 'guid'), '#text')) ?? keyString(prop(raw, 'guid'));
  });

  const seen = new Set<string>();
  const records: RssArticle[] = [];
  let duplicates = 0;
  let filteredOut = 0;
  for (const article of validated.records) {
    if (feed.includeLink && !feed.includeLink(article.link)) {
      filteredOut += 1;
    } else if (seen.has(article.link)) {
      duplicates += 1;
    } else {
      seen.add(article.link);
      records.push(article);
    }
  }
  return { records, quarantined: validated.quarantined, duplicates, filteredOut, unreadable: null };
}

function feedFailure(source: string, feed: RssFeed, xml: string, error: string): RssTransformResult {
  return { records: [], quarantined: [quarantineOne(source, feed.url, xml, error)], duplicates: 0, filteredOut: 0, unreadable: error };
}

/** fast-xml-parser reports elements left open at the end as "Invalid '[ "rss", "channel" ]' found.". */
function describeXmlError(err: { msg: string; line: number; col: number }): string {
  const open = /^Invalid '\[([^\]]*)\]' found\.$/.exec(err.msg.replace(/\s+/g, ' '));
  if (open) return `the document ends inside ${open[1]!.replace(/"/g, '').split(',').map((t) => `<${t.trim()}>`).join(' ')} (cut short)`;
  return `${err.msg} (line ${err.line}, column ${err.col})`;
}

/** Same de-duplication for articles merged from several feeds: first occurrence of a link wins. */
export function dedupeByLink<T extends { link: string }>(articles: readonly T[]): T[] {
  const seen = new Set<string>();
  return articles.filter((a) => (seen.has(a.link) ? false : (seen.add(a.link), true)));
}

/** RSS items as the shared article store takes them (replay uses the same mapping). */
export const rssArticleInputs = (records: readonly RssArticle[]) =>
  records.map((a) => ({ provider: a.provider, providerId: a.guid, link: a.link, headline: a.headline, description: a.description, published: a.published, image: a.image }));
