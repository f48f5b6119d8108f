// ESPN scoreboard (one league, one date or a date range) → one MatchRecord per event.
import { z } from 'zod';
import { formatIssues, keyString, prop, quarantineOne, validateRecords, type TransformResult } from '../_feeds/transform.js';
import {
  athleteRole,
  blankToNull,
  classifyKeyEvent,
  clockFields,
  espnId,
  eventKey,
  isoDate,
  PROVIDER,
  scoreSchema,
  statusSchema,
  toVenue,
  venueSchema,
  type KeyEvent,
  type VenueRecord,
} from './common.js';
import { isLive, mapEspnStatus, MatchStatus, parseMatchClock } from './status.js';

export const SCOREBOARD_SOURCE = 'espn.scoreboard';

export interface CompetitionRecord {
  providerId: string;
  slug: string;
  name: string;
}

export interface TeamRecord {
  providerId: string;
  name: string;
  shortName: string | null;
  abbreviation: string | null;
  logoUrl: string | null;
}

export interface MatchRecord {
  provider: typeof PROVIDER;
  providerId: string;
  competition: CompetitionRecord;
  /** "2024-25" for a season across two years, "2026" for one inside a year. */
  season: string | null;
  kickoff: Date;
  status: MatchStatus;
  statusDetail: string | null;
  /** The ESPN status name when it was not recognised (status then comes from state/period). */
  unknownStatus: string | null;
  period: number | null;
  /** Only while live; `45'+6'` is minute 45 with minuteAdded 6. */
  minute: number | null;
  minuteAdded: number | null;
  homeTeam: TeamRecord | null;
  homeTeamPlaceholder: string | null;
  awayTeam: TeamRecord | null;
  awayTeamPlaceholder: string | null;
  homeScore: number | null;
  awayScore: number | null;
  homePenalties: number | null;
  awayPenalties: number | null;
  venue: VenueRecord | null;
  attendance: number | null;
  neutralSite: boolean | null;
  keyEvents: KeyEvent[];
}

const leagueSchema = z.object({
  id: espnId,
  slug: z.string().min(1),
  name: z.string().min(1),
  season: z
    .object({ year: z.number().int(), startDate: z.string().nullish(), endDate: z.string().nullish() })
    .nullish(),
});
type League = z.output<typeof leagueSchema>;

const teamSchema = z.object({
  id: espnId,
  displayName: z.string().min(1),
  shortDisplayName: z.string().nullish(),
  abbreviation: z.string().nullish(),
  logo: z.string().nullish(),
  isActive: z.boolean().nullish(),
});

const competitorSchema = z.object({
  homeAway: z.enum(['home', 'away']),
  score: scoreSchema,
  shootoutScore: z.number().int().nonnegative().nullish(),
  team: teamSchema,
});

const athleteSchema = z.object({ id: espnId, displayName: z.string().min(1), team: z.object({ id: espnId }).nullish() });

const detailSchema = z.object({
  type: z.object({ id: z.string().nullish(), text: z.string() }),
  clock: z.object({ value: z.number().nullish(), displayValue: z.string().nullish() }).nullish(),
  team: z.object({ id: espnId }).nullish(),
  scoringPlay: z.boolean().nullish(),
  redCard: z.boolean().nullish(),
  yellowCard: z.boolean().nullish(),
  penaltyKick: z.boolean().nullish(),
  ownGoal: z.boolean().nullish(),
  shootout: z.boolean().nullish(),
  athletesInvolved: z.array(athleteSchema).nullish(),
});

const eventSchema = z.object({
  id: espnId,
  date: isoDate,
  season: z.object({ year: z.number().int() }).nullish(),
  status: statusSchema.nullish(),
  competitions: z
    .array(
      z.object({
        date: isoDate.nullish(),
        status: statusSchema.nullish(),
        attendance: z.number().int().nonnegative().nullish(),
        neutralSite: z.boolean().nullish(),
        venue: venueSchema.nullish(),
        competitors: z.array(competitorSchema).length(2),
        details: z.array(detailSchema).nullish(),
      }),
    )
    .min(1),
});
type RawEvent = z.output<typeof eventSchema>;

// ESPN fills undecided knockout slots with real-looking teams ("Quarterfinal 3 Winner", id 17630) that
// are inactive and have no logo. They must stay names, never become Team rows.
const PLACEHOLDER_NAMES = [
  /\b(winners?|losers?|runners?[\s-]*up)\b/i,
  /^(tbd|tba|tbc|to be (determined|decided|confirmed|announced))$/i,
  /^\d+(st|nd|rd|th)\s+(place\s+)?(group|pool)\b/i,
  /^(group|pool)\s+\S+\s+\d+(st|nd|rd|th)$/i,
];

export function isPlaceholderTeam(team: { displayName: string; isActive?: boolean | null; logo?: string | null }): boolean {
  if (PLACEHOLDER_NAMES.some((re) => re.test(team.displayName.trim()))) return true;
  return team.isActive === false && !team.logo;
}

function toTeam(team: z.output<typeof teamSchema>): TeamRecord {
  return {
    providerId: team.id,
    name: team.displayName,
    shortName: blankToNull(team.shortDisplayName),
    abbreviation: blankToNull(team.abbreviation),
    logoUrl: blankToNull(team.logo),
  };
}

/** "2024-25" when the league season spans two calendar years, else the year. */
export function seasonLabel(year: number | null | undefined, league: League['season']): string | null {
  if (typeof year !== 'number') return null;
  const start = league?.startDate ? new Date(league.startDate).getUTCFullYear() : NaN;
  const end = league?.endDate ? new Date(league.endDate).getUTCFullYear() : NaN;
  if (league?.year === year && start === year && end === year + 1) {
    return `${year}-${String((year + 1) % 100).padStart(2, '0')}`;
  }
  return String(year);
}

function toKeyEvents(details: z.output<typeof detailSchema>[] | null | undefined): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const d of details ?? []) {
    const kind = classifyKeyEvent(d.type.text, d);
    if (!kind) continue;
    events.push({
      providerId: null,
      kind,
      typeText: d.type.text,
      period: null,
      ...clockFields(d.clock?.displayValue, d.clock?.value),
      teamProviderId: d.team?.id ?? null,
      shootout: d.shootout === true,
      athletes: (d.athletesInvolved ?? []).map((a, i) => ({
        providerId: a.id,
        name: a.displayName,
        role: athleteRole(kind, i),
        teamProviderId: a.team?.id ?? null,
      })),
      text: null,
    });
  }
  return events;
}

function toMatch(ev: RawEvent, league: League, ctx: z.RefinementCtx): MatchRecord {
  // `.min(1)` guarantees the first competition.
  const comp = ev.competitions[0]!;
  const rawStatus = comp.status ?? ev.status;
  if (!rawStatus) {
    ctx.addIssue({ code: 'custom', path: ['competitions', 0, 'status'], message: 'no status on the event' });
    return z.NEVER;
  }
  const home = comp.competitors.find((c) => c.homeAway === 'home');
  const away = comp.competitors.find((c) => c.homeAway === 'away');
  if (!home || !away) {
    ctx.addIssue({ code: 'custom', path: ['competitions', 0, 'competitors'], message: 'expected one home and one away competitor' });
    return z.NEVER;
  }
  const period = rawStatus.period ?? null;
  const mapped = mapEspnStatus(rawStatus.type, period);
  const live = isLive(mapped.status);
  const clock = live ? parseMatchClock(rawStatus.displayClock, rawStatus.clock) : null;
  // ESPN sends "0" before kick-off and for matches that were never played: that is not a score.
  const hasScore =
    rawStatus.type.state !== 'pre' && mapped.status !== MatchStatus.POSTPONED && mapped.status !== MatchStatus.CANCELLED;
  const homePlaceholder = isPlaceholderTeam(home.team);
  const awayPlaceholder = isPlaceholderTeam(away.team);
  return {
    provider: PROVIDER,
    providerId: ev.id,
    competition: { providerId: league.id, slug: league.slug, name: league.name },
    season: seasonLabel(ev.season?.year ?? league.season?.year, league.season),
    kickoff: ev.date,
    status: mapped.status,
    statusDetail: blankToNull(rawStatus.type.detail ?? rawStatus.type.shortDetail ?? rawStatus.type.description),
    unknownStatus: mapped.unknown ?? null,
    period,
    minute: clock?.minute ?? null,
    minuteAdded: clock?.added ?? null,
    homeTeam: homePlaceholder ? null : toTeam(home.team),
    homeTeamPlaceholder: homePlaceholder ? home.team.displayName : null,
    awayTeam: awayPlaceholder ? null : toTeam(away.team),
    awayTeamPlaceholder: awayPlaceholder ? away.team.displayName : null,
    homeScore: hasScore ? home.score : null,
    awayScore: hasScore ? away.score : null,
    homePenalties: home.shootoutScore ?? null,
    awayPenalties: away.shootoutScore ?? null,
    venue: toVenue(comp.venue),
    // ESPN reports 0 for matches not (yet) played and while live: unknown, not an empty stadium.
    attendance: comp.attendance ? comp.attendance : null,
    neutralSite: comp.neutralSite ?? null,
    keyEvents: toKeyEvents(comp.details),
  };
}

const payloadSchema = z.object({
  leagues: z.array(leagueSchema).min(1),
  events: z.array(z.unknown()),
});

export function transformScoreboard(payload: unknown): TransformResult<MatchRecord> {
  const top = payloadSchema.safeParse(payload);
  if (!top.success) {
    // Without the league there is no competition to attach events to: the whole payload is quarantined.
    const leagues = prop(payload, 'leagues');
    const leagueSlug = Array.isArray(leagues) ? keyString(prop(leagues[0], 'slug')) : undefined;
    return {
      records: [],
      quarantined: [quarantineOne(SCOREBOARD_SOURCE, `scoreboard:${leagueSlug ?? 'unknown'}`, payload, formatIssues(top.error))],
    };
  }
  const league = top.data.leagues[0]!;
  const schema = eventSchema.transform((ev, ctx) => toMatch(ev, league, ctx));
  return validateRecords(SCOREBOARD_SOURCE, top.data.events, schema, eventKey);
}
