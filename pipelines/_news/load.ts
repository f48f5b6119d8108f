// Loads articles from any news feed (RSS, ESPN) with set-based SQL: one statement per table per batch.
// An article is stored once, keyed by its canonical link, whichever feed brings it; only the feed that
// first brought it may revise it (and only when something changed), so two feeds carrying the same story
// never flip it back and forth. Team links are added, never removed: by the feed's own team ids where it
// gives them (ESPN), and by name/alias matching of the headline and description.
import type { Db } from '../../src/db/client.js';
import type { Sql } from '../_espn/load.js';
import type { IngestCounts } from '../_feeds/store.js';
import { classifyTeamNews } from './flags.js';
import { dedupeByLink } from './rss.js';
import { linkTeams, type LinkableTeam } from './team-linking.js';

export interface ArticleInput {
  /** 'bbc', 'sky', 'espn' or the configured feed name. */
  provider: string;
  /** The feed's id for the article (RSS guid, ESPN id). */
  providerId: string | null;
  /** Canonical link: the article's identity. */
  link: string;
  headline: string;
  description: string | null;
  published: Date | null;
  image: string | null;
  /** Team ids, in `provider`'s id space, the feed tags the article with. */
  teamProviderIds?: readonly string[];
}

export interface LoadedArticles {
  /** New article–team links. */
  teamLinks: number;
  /** Articles per flag in this batch. */
  flagged: Record<string, number>;
}

const utc = (d: Date | null) => (d ? d.toISOString().slice(0, -1) : null);

/** Every team, in the shape the linker wants. */
export async function linkableTeams(db: Db): Promise<LinkableTeam[]> {
  const teams = await db.team.findMany({ select: { id: true, provider: true, providerId: true, name: true, shortName: true, abbreviation: true, aliases: true } });
  return teams;
}

export async function loadArticles(db: Db, input: readonly ArticleInput[], counts: IngestCounts): Promise<LoadedArticles> {
  const articles = dedupeByLink(input);
  if (!articles.length) return { teamLinks: 0, flagged: {} };
  const teams = await linkableTeams(db);
  const flags = articles.map((a) => [...classifyTeamNews(`${a.headline} ${a.description ?? ''}`)].sort());
  const links = articles.map((a) =>
    linkTeams({ headline: a.headline, description: a.description, provider: a.provider, teamProviderIds: a.teamProviderIds }, teams),
  );

  const { written, teamLinks } = await db.$transaction(async (tx) => {
    const written = await upsertArticles(tx, articles, flags);
    const ids = (await tx.$queryRawUnsafe(`SELECT id, link FROM articles WHERE link = ANY($1::text[])`, articles.map((a) => a.link))) as Array<{ id: number; link: string }>;
    const idByLink = new Map(ids.map((r) => [r.link, Number(r.id)]));
    const pairs = articles.flatMap((a, i) => {
      const articleId = idByLink.get(a.link);
      return articleId === undefined ? [] : (links[i] ?? []).map((teamId) => [articleId, teamId] as const);
    });
    const teamLinks = pairs.length
      ? await tx.$executeRawUnsafe(
          `INSERT INTO article_teams (article_id, team_id)
           SELECT * FROM unnest($1::int[], $2::int[])
           ON CONFLICT DO NOTHING`,
          pairs.map(([a]) => a),
          pairs.map(([, t]) => t),
        )
      : 0;
    return { written, teamLinks };
  }, { timeout: 30_000 });

  const inserted = written.filter((r) => r.inserted).length;
  counts.inserted += inserted;
  counts.updated += written.length - inserted;
  counts.unchanged += articles.length - written.length;
  const flagged: Record<string, number> = {};
  for (const f of flags.flat()) flagged[f] = (flagged[f] ?? 0) + 1;
  return { teamLinks, flagged };
}

async function upsertArticles(tx: Sql, articles: readonly ArticleInput[], flags: string[][]) {
  const cols: Array<[string, string, (a: ArticleInput, i: number) => unknown]> = [
    ['provider', 'text', (a) => a.provider],
    ['provider_id', 'text', (a) => a.providerId],
    ['link', 'text', (a) => a.link],
    ['headline', 'text', (a) => a.headline],
    ['description', 'text', (a) => a.description],
    ['published', 'timestamp', (a) => utc(a.published)],
    ['image', 'text', (a) => a.image],
    // One text[] per row cannot go through unnest (it would flatten): the flags travel comma-joined.
    ['flags', 'text', (_a, i) => (flags[i] ?? []).join(',')],
  ];
  const names = cols.map(([c]) => c);
  const revisable = names.filter((c) => c !== 'provider' && c !== 'link');
  const value = (c: string) => (c === 'flags' ? `CASE WHEN t.flags = '' THEN ARRAY[]::text[] ELSE string_to_array(t.flags, ',') END` : `t.${c}`);
  return (await tx.$queryRawUnsafe(
    `INSERT INTO articles (${names.join(', ')})
     SELECT ${names.map(value).join(', ')}
     FROM unnest(${cols.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS t(${names.join(', ')})
     ON CONFLICT (link) DO UPDATE SET ${revisable.map((c) => `${c} = excluded.${c}`).join(', ')}
     WHERE articles.provider = excluded.provider
       AND (${revisable.map((c) => `articles.${c}`).join(', ')}) IS DISTINCT FROM (${revisable.map((c) => `excluded.${c}`).join(', ')})
     RETURNING id, (xmax = 0) AS inserted`,
    ...cols.map(([, , get]) => articles.map((a, i) => get(a, i) ?? null)),
  )) as Array<{ id: number; inserted: boolean }>;
}
