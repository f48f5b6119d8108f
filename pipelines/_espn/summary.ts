// ESPN event summary (`/summary?event=`) → team statistics, lineups, key events, officials, venue.
import { z } from 'zod';
import { keyString, prop, validateRecords, type TransformResult } from '../_feeds/transform.js';
import {
  athleteRole,
  blankToNull,
  classifyKeyEvent,
  clockFields,
  PROVIDER,
  toVenue,
  type KeyEvent,
  type VenueRecord,
} from './common.js';
import { isPlaceholderTeam } from './scoreboard.js';
import { summaryPayloadSchema, type RawSummary } from './summary-schema.js';
import { isLive, mapEspnStatus, MatchStatus, parseMatchClock } from './status.js';

export const SUMMARY_SOURCE = 'espn.summary';

type HomeAway = 'home' | 'away';

/** ESPN stat name → field. Rates ESPN derives (shotPct, passPct…) are left out: they follow from the counts. */
const STAT_FIELDS = {
  possessionPct: 'possessionPct',
  totalShots: 'shots',
  shotsOnTarget: 'shotsOnTarget',
  blockedShots: 'blockedShots',
  wonCorners: 'corners',
  foulsCommitted: 'fouls',
  yellowCards: 'yellowCards',
  redCards: 'redCards',
  offsides: 'offsides',
  saves: 'saves',
  totalPasses: 'passes',
  accuratePasses: 'accuratePasses',
  totalCrosses: 'crosses',
  accurateCrosses: 'accurateCrosses',
  totalLongBalls: 'longBalls',
  accurateLongBalls: 'accurateLongBalls',
  totalTackles: 'tackles',
  effectiveTackles: 'effectiveTackles',
  interceptions: 'interceptions',
  totalClearance: 'clearances',
  penaltyKickGoals: 'penaltyGoals',
  penaltyKickShots: 'penaltyAttempts',
} as const;

export type TeamStatField = (typeof STAT_FIELDS)[keyof typeof STAT_FIELDS];

export type TeamStats = { teamProviderId: string; homeAway: HomeAway } & Record<TeamStatField, number | null> & {
    /** Every other numeric statistic, by ESPN name, so nothing new is lost silently. */
    other: Record<string, number>;
  };

export interface LineupPlayer {
  providerId: string;
  name: string;
  position: string | null;
  jersey: number | null;
  /** 1–11 for starters (the slot in the formation), null for substitutes. */
  formationPlace: number | null;
  subbedIn: boolean;
  subbedOut: boolean;
}

export interface Lineup {
  teamProviderId: string;
  homeAway: HomeAway;
  formation: string | null;
  starters: LineupPlayer[];
  substitutes: LineupPlayer[];
}

export interface Official {
  name: string;
  role: string | null;
}

export interface MatchSummaryRecord {
  provider: typeof PROVIDER;
  providerId: string;
  competitionSlug: string | null;
  kickoff: Date;
  status: MatchStatus;
  statusDetail: string | null;
  unknownStatus: string | null;
  period: number | null;
  minute: number | null;
  minuteAdded: number | null;
  homeTeamProviderId: string | null;
  homeTeamPlaceholder: string | null;
  awayTeamProviderId: string | null;
  awayTeamPlaceholder: string | null;
  homeScore: number | null;
  awayScore: number | null;
  homePenalties: number | null;
  awayPenalties: number | null;
  /** Keyed by team providerId. */
  teamStats: Record<string, TeamStats>;
  lineups: Lineup[];
  keyEvents: KeyEvent[];
  officials: Official[];
  attendance: number | null;
  venue: VenueRecord | null;
}


function toTeamStats(team: NonNullable<NonNullable<RawSummary['boxscore']>['teams']>[number]): TeamStats {
  const stats = Object.fromEntries(Object.values(STAT_FIELDS).map((f) => [f, null])) as Record<TeamStatField, number | null>;
  const other: Record<string, number> = {};
  for (const s of team.statistics ?? []) {
    const field = (STAT_FIELDS as Record<string, TeamStatField | undefined>)[s.name];
    if (field) stats[field] = s.displayValue;
    else if (s.displayValue !== null) other[s.name] = s.displayValue;
  }
  return { teamProviderId: team.team.id, homeAway: team.homeAway, ...stats, other };
}

function toLineup(r: NonNullable<RawSummary['rosters']>[number]): Lineup {
  const players = (r.roster ?? []).map((p) => ({
    starter: p.starter === true,
    player: {
      providerId: p.athlete.id,
      name: p.athlete.displayName,
      position: blankToNull(p.position?.abbreviation ?? p.position?.name),
      jersey: p.jersey,
      // ESPN gives substitutes formationPlace 0.
      formationPlace: p.formationPlace ? p.formationPlace : null,
      subbedIn: p.subbedIn,
      subbedOut: p.subbedOut,
    } satisfies LineupPlayer,
  }));
  return {
    teamProviderId: r.team.id,
    homeAway: r.homeAway,
    formation: blankToNull(r.formation),
    starters: players.filter((p) => p.starter).map((p) => p.player),
    substitutes: players.filter((p) => !p.starter).map((p) => p.player),
  };
}

function toKeyEvents(raw: RawSummary['keyEvents']): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const e of raw ?? []) {
    const kind = classifyKeyEvent(`${e.type.text} ${e.type.type ?? ''}`, { scoringPlay: e.scoringPlay });
    if (!kind) continue;
    events.push({
      providerId: e.id ?? null,
      kind,
      typeText: e.type.text,
      period: e.period?.number ?? null,
      ...clockFields(e.clock?.displayValue, e.clock?.value),
      teamProviderId: e.team?.id ?? null,
      shootout: e.shootout === true,
      athletes: (e.participants ?? []).map((p, i) => ({
        providerId: p.athlete.id,
        name: p.athlete.displayName,
        role: athleteRole(kind, i),
        teamProviderId: null,
      })),
      text: blankToNull(e.text),
    });
  }
  return events;
}

function toSummary(s: RawSummary, ctx: z.RefinementCtx): MatchSummaryRecord {
  const comp = s.header.competitions[0]!;
  const home = comp.competitors.find((c) => c.homeAway === 'home');
  const away = comp.competitors.find((c) => c.homeAway === 'away');
  if (!home || !away) {
    ctx.addIssue({ code: 'custom', path: ['header', 'competitions', 0, 'competitors'], message: 'expected one home and one away competitor' });
    return z.NEVER;
  }
  const period = comp.status.period ?? null;
  const mapped = mapEspnStatus(comp.status.type, period);
  const clock = isLive(mapped.status) ? parseMatchClock(comp.status.displayClock, comp.status.clock) : null;
  const hasScore =
    comp.status.type.state !== 'pre' && mapped.status !== MatchStatus.POSTPONED && mapped.status !== MatchStatus.CANCELLED;
  const homePh = isPlaceholderTeam(home.team);
  const awayPh = isPlaceholderTeam(away.team);
  const teamStats: Record<string, TeamStats> = {};
  for (const t of s.boxscore?.teams ?? []) teamStats[t.team.id] = toTeamStats(t);
  return {
    provider: PROVIDER,
    providerId: s.header.id,
    competitionSlug: blankToNull(s.header.league?.slug),
    kickoff: comp.date,
    status: mapped.status,
    statusDetail: blankToNull(comp.status.type.detail ?? comp.status.type.shortDetail ?? comp.status.type.description),
    unknownStatus: mapped.unknown ?? null,
    period,
    minute: clock?.minute ?? null,
    minuteAdded: clock?.added ?? null,
    homeTeamProviderId: homePh ? null : home.team.id,
    homeTeamPlaceholder: homePh ? home.team.displayName : null,
    awayTeamProviderId: awayPh ? null : away.team.id,
    awayTeamPlaceholder: awayPh ? away.team.displayName : null,
    homeScore: hasScore ? home.score : null,
    awayScore: hasScore ? away.score : null,
    homePenalties: home.shootoutScore ?? null,
    awayPenalties: away.shootoutScore ?? null,
    teamStats,
    lineups: (s.rosters ?? []).map(toLineup),
    keyEvents: toKeyEvents(s.keyEvents),
    officials: (s.gameInfo?.officials ?? []).flatMap((o) => {
      const name = blankToNull(o.displayName ?? o.fullName);
      return name ? [{ name, role: blankToNull(o.position?.displayName ?? o.position?.name) }] : [];
    }),
    // Absent while live, 0 before kick-off: both unknown.
    attendance: s.gameInfo?.attendance ? s.gameInfo.attendance : null,
    venue: toVenue(s.gameInfo?.venue),
  };
}

const summarySchema = summaryPayloadSchema.transform(toSummary);

/** One summary payload is one record: valid, or quarantined under its event id. */
export function transformSummary(payload: unknown): TransformResult<MatchSummaryRecord> {
  return validateRecords(SUMMARY_SOURCE, [payload], summarySchema, (raw) => keyString(prop(prop(raw, 'header'), 'id')));
}
