// Loads articles from any news feed (RSS, ESPN) with set-based SQL: one statement per table per batch.
// An article is stored once, keyed by its canonical link, whichever feed brings it; only the feed that
// first brought it may revise it (and only when something changed), so two feeds carrying the same story
// never flip it back and forth. Team links are added, never removed: by the feed's own team ids where it
// gives them (ESPN), and by name/alias matching of the headline and description.
import type { Db } from '../../src/db/client.js';
import { tx, type Executor } from '../../src/db/executor.js';
import { sql, type SqlType } from '../../src/db/sql.js';
import type { EngineDeps } from '../../src/engine.js';
import { utc } from '../../src/time.js';
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

/** Every team, in the shape the linker wants. */
export async function linkableTeams(db: Db): Promise<LinkableTeam[]> {
  const teams = await db.team.findMany({ select: { id: true, provider: true, providerId: true, name: true, shortName: true, abbreviation: true, aliases: true } });
  return teams;
}

export async function loadArticles(deps: Pick<EngineDeps, 'db' | 'sql'>, input: readonly ArticleInput[], counts: IngestCounts): Promise<LoadedArticles> {
  const articles = dedupeByLink(input);
  if (!articles.length) return { teamLinks: 0, flagged: {} };
  const teams = await linkableTeams(deps.db);
  const flags = articles.map((a) => [...classifyTeamNews(`${a.headline} ${a.description ?? ''}`)].sort());
  const links = articles.map((a) =>
    linkTeams({ headline: a.headline, description: a.description, provider: a.provider, teamProviderIds: a.teamProviderIds }, teams),
  );

  const { written, teamLinks } = await tx(deps.sql, async (t) => {
    const written = await upsertArticles(t, articles, flags);
    const ids = await t.query<{ id: number; link: string }>(sql`SELECT id, link FROM articles WHERE link = ANY(${articles.map((a) => a.link)}::text[])`);
    const idByLink = new Map(ids.map((r) => [r.link, Number(r.id)]));
    const pairs = articles.flatMap((a, i) => {
      const articleId = idByLink.get(a.link);
      return articleId === undefined ? [] : (links[i] ?? []).map((teamId) => [articleId, teamId] as const);
    });
    const teamLinks = pairs.length
      ? await t.execute(sql`
          INSERT INTO article_teams (article_id, team_id)
          SELECT * FROM unnest(${pairs.map(([a]) => a)}::int[], ${pairs.map(([, team]) => team)}::int[])
          ON CONFLICT DO NOTHING`)
      : 0;
    return { written, teamLinks };
  });

  const inserted = written.filter((r) => r.inserted).length;
  counts.inserted += inserted;
  counts.updated += written.length - inserted;
  counts.unchanged += articles.length - written.length;
  const flagged: Record<string, number> = {};
  for (const f of flags.flat()) flagged[f] = (flagged[f] ?? 0) + 1;
  return { teamLinks, flagged };
}

// The articles columns and their SQL around the parameters, built once.
const ARTICLE_COLUMNS: ReadonlyArray<readonly [string, SqlType, (a: ArticleInput, flags: readonly string[]) => unknown]> = [
  ['provider', 'text', (a) => a.provider],
  ['provider_id', 'text', (a) => a.providerId],
  ['link', 'text', (a) => a.link],
  ['headline', 'text', (a) => a.headline],
  ['description', 'text', (a) => a.description],
  ['published', 'timestamp', (a) => utc(a.published)],
  ['image', 'text', (a) => a.image],
  // One text[] per row cannot go through unnest (it would flatten): the flags travel comma-joined.
  ['flags', 'text', (_a, flags) => flags.join(',')],
];
const ARTICLE = (() => {
  const names = ARTICLE_COLUMNS.map(([c]) => c);
  const revisable = names.filter((c) => c !== 'provider' && c !== 'link');
  return {
    list: sql.idents(names),
    values: sql.join(names.map((c) => (c === 'flags' ? sql`CASE WHEN t.flags = '' THEN ARRAY[]::text[] ELSE string_to_array(t.flags, ',') END` : sql`t.${sql.ident(c)}`))),
    set: sql.join(revisable.map((c) => sql`${sql.ident(c)} = excluded.${sql.ident(c)}`)),
    stored: sql.idents(revisable, sql`articles`),
    incoming: sql.idents(revisable, sql`excluded`),
  };
})();

async function upsertArticles(tx: Executor, articles: readonly ArticleInput[], flags: string[][]) {
  return tx.query<{ id: number; inserted: boolean }>(sql`
    INSERT INTO articles (${ARTICLE.list})
    SELECT ${ARTICLE.values}
    FROM ${sql.unnest(ARTICLE_COLUMNS.map(([, type, get]) => [articles.map((a, i) => get(a, flags[i] ?? []) ?? null), type]))} AS t(${ARTICLE.list})
    ON CONFLICT (link) DO UPDATE SET ${ARTICLE.set}
    WHERE articles.provider = excluded.provider AND (${ARTICLE.stored}) IS DISTINCT FROM (${ARTICLE.incoming})
    RETURNING id, (xmax = 0) AS inserted`);
}
