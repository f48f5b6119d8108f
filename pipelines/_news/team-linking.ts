// Which of our teams does an article talk about? Whole-word, case- and accent-insensitive matching of
// names and aliases on headline + description, tuned against the classic false positives:
// - a lone generic word ("City", "United", "Town"…) names no team by itself;
// - the longest name wins its words: "Sheffield Wednesday" is not also a hit for "Sheffield";
// - short forms we derive ("Newcastle" from Newcastle United) are used only when unambiguous, so
//   "Manchester" (both clubs) and "Sheffield" (United, and the start of Wednesday) link nothing;
// - abbreviations ("PSG") count only in capitals, and not in all-caps text ("NEW SIGNING" is not NEW).
import { foldText } from './text.js';

export interface LinkableTeam {
  id: number;
  name: string;
  shortName?: string | null;
  abbreviation?: string | null;
  aliases: string[];
  /** With `provider`, lets a feed that tags articles with team ids (ESPN) link them directly. */
  providerId?: string | null;
  provider?: string | null;
}

export interface LinkableArticle {
  headline: string;
  description?: string | null;
  provider?: string;
  teamProviderIds?: readonly string[];
}

/** Words that are part of many club names and never identify one on their own. */
const GENERIC = new Set([
  'city', 'united', 'utd', 'town', 'athletic', 'rovers', 'wanderers', 'albion', 'county', 'real', 'sporting',
  'fc', 'afc', 'cf', 'sc', 'club', 'football', 'the', 'dynamo', 'olympic', 'national', 'academy', 'women',
]);
/** Club-type affixes that can be dropped from a name to get the form headlines use ("AFC Bournemouth"). */
const AFFIXES = new Set(['fc', 'afc', 'cf', 'sc', 'ac', 'cfc', 'ssc', 'as', 'rc', 'sv', 'vfb', 'vfl', 'tsg', 'bv']);
/** Trailing words headlines drop ("Newcastle" for Newcastle United). */
const DROPPABLE_SUFFIXES = new Set(['united', 'city', 'town', 'rovers', 'wanderers', 'albion', 'county', 'athletic', 'hotspur']);

interface TeamTerms {
  /** Name, short name and aliases as given. */
  explicit: Set<string>;
  /** Shortened forms we made up; only used when no other team claims them. */
  derived: Set<string>;
}

function usable(term: string): boolean {
  return term.length >= 3 && !term.split(' ').every((w) => GENERIC.has(w));
}

function termsOf(team: LinkableTeam): TeamTerms {
  const explicit = new Set<string>();
  const derived = new Set<string>();
  for (const raw of [team.name, team.shortName, ...team.aliases]) {
    const folded = raw ? foldText(raw) : '';
    if (folded === '') continue;
    explicit.add(folded);
    const words = folded.split(' ');
    const unaffixed = words.filter((w) => !AFFIXES.has(w));
    if (unaffixed.length > 0 && unaffixed.length < words.length) derived.add(unaffixed.join(' '));
    const last = unaffixed[unaffixed.length - 1];
    if (unaffixed.length > 1 && last && DROPPABLE_SUFFIXES.has(last)) derived.add(unaffixed.slice(0, -1).join(' '));
  }
  return {
    explicit: new Set([...explicit].filter(usable)),
    derived: new Set([...derived].filter((t) => usable(t) && !explicit.has(t))),
  };
}

interface Term {
  words: string[];
  teamIds: number[];
}

function buildTerms(teams: readonly LinkableTeam[]): Term[] {
  const explicitOwners = new Map<string, Set<number>>();
  const derivedOwners = new Map<string, Set<number>>();
  const add = (map: Map<string, Set<number>>, term: string, id: number) => map.set(term, (map.get(term) ?? new Set()).add(id));
  for (const team of teams) {
    const { explicit, derived } = termsOf(team);
    for (const term of explicit) add(explicitOwners, term, team.id);
    for (const term of derived) add(derivedOwners, term, team.id);
  }
  const terms: Term[] = [];
  // A name or alias given explicitly for several rows is the same club seen by several providers: link all.
  for (const [term, ids] of explicitOwners) terms.push({ words: term.split(' '), teamIds: [...ids] });
  // A made-up short form is dropped when ambiguous: shared by two clubs ("manchester"), or the start of
  // another club's name ("sheffield" from Sheffield United is also how Sheffield Wednesday begins).
  const explicitTerms = [...explicitOwners.keys()];
  for (const [term, ids] of derivedOwners) {
    const [id] = ids;
    if (ids.size !== 1 || id === undefined || explicitOwners.has(term)) continue;
    const prefixOfOther = explicitTerms.some((t) => t.startsWith(`${term} `) && !explicitOwners.get(t)?.has(id));
    if (!prefixOfOther) terms.push({ words: term.split(' '), teamIds: [id] });
  }
  // Longest first, so a full name claims its words before any shorter term can.
  return terms.sort((a, b) => b.words.length - a.words.length || b.words.join(' ').length - a.words.join(' ').length);
}

/** Team ids (sorted, unique) the article mentions or is tagged with. */
export function linkTeams(article: LinkableArticle, teams: readonly LinkableTeam[]): number[] {
  const found = new Set<number>();
  const tagged = new Set(article.teamProviderIds ?? []);
  for (const team of teams) {
    const sameProvider = team.provider == null || article.provider === undefined || team.provider === article.provider;
    if (team.providerId && sameProvider && tagged.has(team.providerId)) found.add(team.id);
  }

  const original = `${article.headline} ${article.description ?? ''}`;
  const words = foldText(original).split(' ');
  const claimed = new Array<boolean>(words.length).fill(false);
  for (const term of buildTerms(teams)) {
    for (let i = 0; i + term.words.length <= words.length; i += 1) {
      if (!term.words.every((w, k) => words[i + k] === w)) continue;
      if (claimed.slice(i, i + term.words.length).some(Boolean)) continue;
      for (let k = 0; k < term.words.length; k += 1) claimed[i + k] = true;
      for (const id of term.teamIds) found.add(id);
    }
  }

  // Abbreviations ("PSG", "MUN") only count written in capitals, never as ordinary words, and not when
  // the text shouts: in "NEW SIGNING FOR CHELSEA" every word looks like an abbreviation.
  const tokenList = original.normalize('NFKD').replace(/\p{M}+/gu, '').split(/[^\p{L}\p{N}]+/u);
  const longWords = tokenList.filter((t) => /^\p{L}{3,}$/u.test(t));
  const shouting = longWords.filter((t) => t === t.toUpperCase()).length * 2 > longWords.length;
  const tokens = new Set(shouting ? [] : tokenList);
  for (const team of teams) {
    const abbr = team.abbreviation?.trim();
    if (abbr && abbr.length >= 3 && abbr === abbr.toUpperCase() && /^[A-Z0-9]+$/.test(abbr) && tokens.has(abbr)) {
      found.add(team.id);
    }
  }
  return [...found].sort((a, b) => a - b);
}
