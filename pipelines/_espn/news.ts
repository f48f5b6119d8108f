// ESPN league news (`/{league}/news`) → articles tagged with the ESPN team ids they are about.
import { z } from 'zod';
import { canonicalLink } from '../_news/canonical-link.js';
import { htmlToText } from '../_news/text.js';
import { keyString, prop, validateRecords, type TransformResult } from '../_feeds/transform.js';
import { espnId, isoDate, PROVIDER } from './common.js';

export const NEWS_SOURCE = 'espn.news';

export interface EspnArticle {
  provider: typeof PROVIDER;
  providerId: string;
  headline: string;
  description: string | null;
  link: string;
  published: Date;
  /** From the article's `categories` of type `team`, in their order, without repeats. */
  teamProviderIds: string[];
  image: string | null;
}

const articleSchema = z
  .object({
    id: espnId,
    headline: z.string().min(1),
    description: z.string().nullish(),
    published: isoDate,
    links: z.object({ web: z.object({ href: z.string().min(1) }) }),
    images: z.array(z.object({ url: z.string().nullish(), type: z.string().nullish() })).nullish(),
    categories: z
      .array(
        z.object({
          type: z.string().nullish(),
          teamId: espnId.nullish(),
          team: z.object({ id: espnId.nullish() }).nullish(),
        }),
      )
      .nullish(),
  })
  .transform((a, ctx): EspnArticle => {
    const link = canonicalLink(a.links.web.href);
    if (link === null) {
      ctx.addIssue({ code: 'custom', path: ['links', 'web', 'href'], message: `not an absolute http(s) URL: "${a.links.web.href}"` });
      return z.NEVER;
    }
    const teamIds = (a.categories ?? []).flatMap((c) => {
      const id = c.type === 'team' ? (c.teamId ?? c.team?.id) : null;
      return id ? [id] : [];
    });
    const images = (a.images ?? []).filter((i) => i.url);
    // The "header" image is the article's lead picture; the others are video stills.
    const image = images.find((i) => i.type === 'header') ?? images[0];
    const description = a.description ? htmlToText(a.description) : '';
    return {
      provider: PROVIDER,
      providerId: a.id,
      headline: htmlToText(a.headline),
      description: description === '' ? null : description,
      link,
      published: a.published,
      teamProviderIds: [...new Set(teamIds)],
      image: image?.url ?? null,
    };
  });

export function transformEspnNews(payload: unknown): TransformResult<EspnArticle> {
  const articles = prop(payload, 'articles');
  if (!Array.isArray(articles)) {
    return {
      records: [],
      quarantined: [{ source: NEWS_SOURCE, recordKey: 'news', raw: payload, error: 'articles: expected an array' }],
    };
  }
  return validateRecords(NEWS_SOURCE, articles, articleSchema, (raw) => keyString(prop(raw, 'id')) ?? keyString(prop(prop(prop(raw, 'links'), 'web'), 'href')));
}

/** ESPN articles as the shared article store takes them (replay uses the same mapping). */
export const espnArticleInputs = (records: readonly EspnArticle[]) =>
  records.map((a) => ({
    provider: a.provider, providerId: a.providerId, link: a.link, headline: a.headline, description: a.description,
    published: a.published, image: a.image, teamProviderIds: a.teamProviderIds,
  }));
