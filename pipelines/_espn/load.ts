// Loads normalised ESPN records into PostgreSQL with set-based SQL: one statement per table per batch,
// rows that did not change are not written (`IS DISTINCT FROM`), and the previous status and score of
// every match come back with the upsert so change events can be derived in the same transaction.
import { createHash } from 'node:crypto';
import type { Executor } from '../../src/db/executor.js';
import { sql, type SqlType } from '../../src/db/sql.js';
import { utc } from '../../src/time.js';
import type { StateChange } from '../_feeds/events.js';
import type { KeyEvent } from './common.js';
import type { CompetitionRecord, MatchRecord, TeamRecord } from './scoreboard.js';
import type { VenueRecord } from './common.js';

const PROVIDER = 'espn';

type Column<T> = readonly [name: string, type: SqlType, get: (item: T) => unknown];

/** `a = excluded.a, …`: an upsert's new values. */
const fromExcluded = (names: readonly string[]) => sql.join(names.map((c) => sql`${sql.ident(c)} = excluded.${sql.ident(c)}`));

/**
 * An upsert of provider entities keyed by (provider, provider_id), the first column. Its SQL around the
 * parameters is built once, here, not on every batch.
 */
function entityUpsert<T>(table: string, cols: ReadonlyArray<Column<T>>) {
  const names = cols.map(([c]) => c);
  const rest = names.slice(1);
  const t = sql.ident(table);
  const list = sql.idents(names);
  const source = sql.idents(names, sql`t`);
  const set = fromExcluded(rest);
  const stored = sql.idents(rest, t);
  const incoming = sql.idents(rest, sql`excluded`);
  return async (tx: Executor, items: readonly T[]): Promise<Map<string, number>> => {
    if (!items.length) return new Map();
    const params = cols.map(([, , get]) => items.map((i) => get(i) ?? null));
    await tx.execute(sql`
      INSERT INTO ${t} (provider, ${list}, updated_at)
      SELECT ${PROVIDER}::text, ${source}, now()
      FROM ${sql.unnest(cols.map(([, type], c) => [params[c]!, type]))} AS t(${list})
      ON CONFLICT (provider, provider_id) DO UPDATE SET ${set}, updated_at = now()
      WHERE (${stored}) IS DISTINCT FROM (${incoming})`);
    const ids = await tx.query<{ id: number; provider_id: string }>(sql`SELECT id, provider_id FROM ${t} WHERE provider = ${PROVIDER} AND provider_id = ANY(${params[0]}::text[])`);
    return new Map(ids.map((r) => [r.provider_id, r.id]));
  };
}

const upsertCompetitions = entityUpsert<CompetitionRecord>('competitions', [['provider_id', 'text', (c) => c.providerId], ['slug', 'text', (c) => c.slug], ['name', 'text', (c) => c.name]]);
const upsertTeams = entityUpsert<TeamRecord>('teams', [
  ['provider_id', 'text', (t) => t.providerId], ['name', 'text', (t) => t.name], ['short_name', 'text', (t) => t.shortName],
  ['abbreviation', 'text', (t) => t.abbreviation], ['logo_url', 'text', (t) => t.logoUrl],
]);
const upsertVenues = entityUpsert<VenueRecord>('venues', [['provider_id', 'text', (v) => v.providerId], ['name', 'text', (v) => v.name], ['city', 'text', (v) => v.city], ['country', 'text', (v) => v.country]]);

const uniqueBy = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((i) => [key(i), i])).values()];

export interface MatchChange extends StateChange {
  providerId: string;
  inserted: boolean;
}

export interface LoadedMatches {
  ids: Map<string, number>;
  teamIds: Map<string, number>;
  changes: MatchChange[];
  newKeyEvents: Array<{ matchId: number; kind: string; eventKey: string }>;
  /** Provider ids of matches whose state in this payload was older than the stored one (not applied). */
  stale: Set<string>;
}

type Ids = { comps: Map<string, number>; teams: Map<string, number>; venues: Map<string, number> };

const MATCH_COLUMNS: ReadonlyArray<Column<{ r: MatchRecord; ids: Ids; asOf: Date }>> = [
  ['provider_id', 'text', ({ r }) => r.providerId],
  ['competition_id', 'int', ({ r, ids }) => ids.comps.get(r.competition.providerId)],
  ['season', 'text', ({ r }) => r.season],
  ['home_team_id', 'int', ({ r, ids }) => (r.homeTeam ? ids.teams.get(r.homeTeam.providerId) : null)],
  ['away_team_id', 'int', ({ r, ids }) => (r.awayTeam ? ids.teams.get(r.awayTeam.providerId) : null)],
  ['home_team_placeholder', 'text', ({ r }) => r.homeTeamPlaceholder],
  ['away_team_placeholder', 'text', ({ r }) => r.awayTeamPlaceholder],
  ['venue_id', 'int', ({ r, ids }) => (r.venue ? ids.venues.get(r.venue.providerId) : null)],
  // matches.kickoff is a UTC timestamp without zone (Prisma's DateTime): pass UTC wall time, no session-zone cast.
  ['kickoff', 'timestamp', ({ r }) => utc(r.kickoff)],
  ['status', 'text', ({ r }) => r.status],
  ['status_detail', 'text', ({ r }) => r.statusDetail],
  ['minute', 'int', ({ r }) => r.minute],
  ['home_score', 'int', ({ r }) => r.homeScore],
  ['away_score', 'int', ({ r }) => r.awayScore],
  ['home_penalties', 'int', ({ r }) => r.homePenalties],
  ['away_penalties', 'int', ({ r }) => r.awayPenalties],
  ['state_at', 'timestamp', ({ asOf }) => utc(asOf)],
];
/** The columns that make a match's state: they move together, and never backwards (see `loadMatches`). */
const STATE = ['status', 'status_detail', 'minute', 'home_score', 'away_score', 'home_penalties', 'away_penalties'] as const;

/**
 * A status's place in the course of a match; the statuses outside it (postponed, delayed, suspended,
 * abandoned, cancelled) have none and may follow or precede anything a newer payload says.
 */
const RANK: Record<string, number> = {
  SCHEDULED: 0, FIRST_HALF: 1, HALF_TIME: 2, SECOND_HALF: 3, END_OF_REGULATION: 4, EXTRA_TIME: 5, PENALTIES: 6,
  FULL_TIME: 7, AFTER_EXTRA_TIME: 7, AFTER_PENALTIES: 7,
};
const rankOf = (col: ReturnType<typeof sql.ident> | ReturnType<typeof sql>) =>
  sql`(CASE ${col} ${sql.join(Object.entries(RANK).map(([status, rank]) => sql`WHEN ${status} THEN ${rank}::int`), sql` `)} END)`;

const MATCH = (() => {
  const names = MATCH_COLUMNS.map(([c]) => c);
  const updatable = names.slice(1);
  return {
    list: sql.idents(names),
    values: sql.join(names.map((c) => (c === 'status' ? sql`t.status::"MatchStatus"` : sql`t.${sql.ident(c)}`))),
    set: fromExcluded(updatable),
    stored: sql.idents(updatable, sql`matches`),
    incoming: sql.idents(updatable, sql`excluded`),
    // Each column of the row as it will be written: the incoming value, except the state columns of a
    // match whose stored state is newer than this payload, or further along the match than its state.
    effective: sql.join(names.map((c) => {
      const col = sql.ident(c);
      if (c === 'state_at') {
        return sql`CASE WHEN k.keep OR (p.provider_id IS NOT NULL AND (${sql.idents([...STATE], sql`p`)}) IS NOT DISTINCT FROM (${sql.idents([...STATE], sql`t`)})) THEN p.state_at ELSE t.state_at END AS state_at`;
      }
      return (STATE as readonly string[]).includes(c) ? sql`CASE WHEN k.keep THEN p.${col} ELSE t.${col} END AS ${col}` : sql`t.${col}`;
    })),
    keep: sql`p.provider_id IS NOT NULL AND ((p.state_at IS NOT NULL AND t.state_at < p.state_at) OR ${rankOf(sql`p.status`)} > ${rankOf(sql`t.status`)})`,
  };
})();

/**
 * Loads a scoreboard's matches. Their state (status, minute, score, penalties) only moves forward: a
 * payload older than the stored state (`asOf`: when the payload was current, its fetch time less any
 * cache age) changes no state, and no payload moves a match back along its course (a finished match
 * never returns to play, a second half never to the first), so a stale payload served late by a cache,
 * or an archived one replayed, cannot regress it. A score correction is taken from a newer payload only.
 */
export async function loadMatches(tx: Executor, records: MatchRecord[], asOf: Date = new Date()): Promise<LoadedMatches> {
  const comps = await upsertCompetitions(tx, uniqueBy(records.map((r) => r.competition), (c) => c.providerId));
  const teamIds = await upsertTeams(tx, uniqueBy(records.flatMap((r) => [r.homeTeam, r.awayTeam]).filter((t): t is TeamRecord => t !== null), (t) => t.providerId));
  const venues = await upsertVenues(tx, uniqueBy(records.map((r) => r.venue).filter((v): v is VenueRecord => v !== null), (v) => v.providerId));
  const known: Ids = { comps, teams: teamIds, venues };

  const unique = uniqueBy(records, (r) => r.providerId);
  const rows = await tx.query<Record<string, unknown>>(sql`
    WITH t AS (SELECT * FROM ${sql.unnest(MATCH_COLUMNS.map(([, type, get]) => [unique.map((r) => get({ r, ids: known, asOf }) ?? null), type]))} AS t(${MATCH.list})),
    prev AS (SELECT m.provider_id, m.status::text AS status, m.status_detail, m.minute, m.home_score, m.away_score, m.home_penalties, m.away_penalties, m.state_at
             FROM matches m JOIN t ON m.provider = ${PROVIDER} AND m.provider_id = t.provider_id),
    eff AS (SELECT ${MATCH.effective}, k.keep AS kept
            FROM t LEFT JOIN prev p USING (provider_id) CROSS JOIN LATERAL (SELECT ${MATCH.keep} AS keep) k),
    up AS (INSERT INTO matches (provider, ${MATCH.list}, updated_at)
           SELECT ${PROVIDER}::text, ${MATCH.values}, now() FROM eff AS t
           ON CONFLICT (provider, provider_id) DO UPDATE SET ${MATCH.set}, updated_at = now()
           WHERE (${MATCH.stored}) IS DISTINCT FROM (${MATCH.incoming})
           RETURNING id, provider_id, (xmax = 0) AS inserted, status::text AS status, home_score, away_score, home_penalties, away_penalties)
    SELECT eff.provider_id, eff.kept, up.id, up.inserted, up.status, up.home_score, up.away_score, up.home_penalties, up.away_penalties,
           prev.status AS prev_status, prev.home_score AS prev_home_score, prev.away_score AS prev_away_score,
           prev.home_penalties AS prev_home_penalties, prev.away_penalties AS prev_away_penalties
    FROM eff LEFT JOIN up USING (provider_id) LEFT JOIN prev USING (provider_id)`);

  const stale = new Set(rows.filter((r) => r.kept).map((r) => String(r.provider_id)));
  const changes: MatchChange[] = rows.filter((r) => r.id !== null).map((r) => ({
    matchId: Number(r.id), providerId: String(r.provider_id), inserted: Boolean(r.inserted), status: String(r.status),
    homeScore: r.home_score as number | null, awayScore: r.away_score as number | null,
    homePenalties: r.home_penalties as number | null, awayPenalties: r.away_penalties as number | null,
    prev: r.prev_status == null ? null : {
      status: String(r.prev_status), homeScore: r.prev_home_score as number | null, awayScore: r.prev_away_score as number | null,
      homePenalties: r.prev_home_penalties as number | null, awayPenalties: r.prev_away_penalties as number | null,
    },
  }));
  const ids = await tx.query<{ id: number; provider_id: string }>(sql`SELECT id, provider_id FROM matches WHERE provider = ${PROVIDER} AND provider_id = ANY(${unique.map((r) => r.providerId)}::text[])`);
  const matchIds = new Map(ids.map((r) => [r.provider_id, Number(r.id)]));
  const newKeyEvents = await loadKeyEvents(tx, unique.flatMap((r) => r.keyEvents.map((e) => ({ matchId: matchIds.get(r.providerId)!, event: e }))), teamIds);
  return { ids: matchIds, teamIds, changes, newKeyEvents, stale };
}

/** The same event must get the same key from the scoreboard (no ids) and the summary (ids). */
export function keyEventKey(e: KeyEvent): string {
  const who = e.athletes.map((a) => a.providerId).sort().join(',');
  const basis = [e.kind, e.shootout ? 'so' : '', e.period ?? '', e.minute ?? '', e.minuteAdded ?? '', e.teamProviderId ?? '', who].join('|');
  return createHash('sha1').update(basis).digest('hex').slice(0, 20);
}

export async function loadKeyEvents(tx: Executor, events: Array<{ matchId: number; event: KeyEvent }>, teamIds: Map<string, number>) {
  const rows = uniqueBy(events.map(({ matchId, event }) => ({ matchId, event, key: keyEventKey(event) })), (r) => `${r.matchId}:${r.key}`);
  if (!rows.length) return [];
  const inserted = await tx.query<{ match_id: number; kind: string; event_key: string }>(sql`
    INSERT INTO match_key_events (match_id, event_key, kind, period, minute, minute_added, team_id, athletes, text)
    SELECT * FROM unnest(${rows.map((r) => r.matchId)}::int[], ${rows.map((r) => r.key)}::text[], ${rows.map((r) => r.event.kind)}::text[],
      ${rows.map((r) => r.event.period)}::int[], ${rows.map((r) => r.event.minute)}::int[], ${rows.map((r) => r.event.minuteAdded)}::int[],
      ${rows.map((r) => (r.event.teamProviderId ? teamIds.get(r.event.teamProviderId) ?? null : null))}::int[],
      ${rows.map((r) => JSON.stringify(r.event.athletes))}::jsonb[], ${rows.map((r) => r.event.text)}::text[])
    ON CONFLICT (match_id, event_key) DO NOTHING
    RETURNING match_id, kind, event_key`);
  return inserted.map((r) => ({ matchId: Number(r.match_id), kind: r.kind, eventKey: r.event_key }));
}
