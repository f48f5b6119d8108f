// Loads normalised ESPN records into PostgreSQL with set-based SQL: one statement per table per batch,
// rows that did not change are not written (`IS DISTINCT FROM`), and the previous status and score of
// every match come back with the upsert so change events can be derived in the same transaction.
import { createHash } from 'node:crypto';
import type { Sql } from '../../src/db/sql.js';
import type { StateChange } from '../_feeds/events.js';
import type { KeyEvent } from './common.js';
import type { MatchRecord, TeamRecord } from './scoreboard.js';
import type { VenueRecord } from './common.js';

export type { Sql };

const PROVIDER = 'espn';

async function upsertIds(tx: Sql, table: string, cols: string[], rows: unknown[][], types: string[], keyIndex = 0): Promise<Map<string, number>> {
  if (!rows.length) return new Map();
  const params = cols.map((_, c) => rows.map((r) => r[c] ?? null));
  const list = cols.join(', ');
  const sets = cols.filter((_, c) => c !== keyIndex).map((c) => `${c} = excluded.${c}`).join(', ');
  const distinct = cols.filter((_, c) => c !== keyIndex);
  await tx.$executeRawUnsafe(
    `INSERT INTO ${table} (provider, ${list}, updated_at)
     SELECT '${PROVIDER}', ${cols.map((c) => `t.${c}`).join(', ')}, now()
     FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS t(${list})
     ON CONFLICT (provider, provider_id) DO UPDATE SET ${sets}, updated_at = now()
     WHERE (${distinct.map((c) => `${table}.${c}`).join(', ')}) IS DISTINCT FROM (${distinct.map((c) => `excluded.${c}`).join(', ')})`,
    ...params,
  );
  const ids = (await tx.$queryRawUnsafe(`SELECT id, provider_id FROM ${table} WHERE provider = '${PROVIDER}' AND provider_id = ANY($1::text[])`, params[keyIndex])) as Array<{ id: number; provider_id: string }>;
  return new Map(ids.map((r) => [r.provider_id, r.id]));
}

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
}

export async function loadMatches(tx: Sql, records: MatchRecord[]): Promise<LoadedMatches> {
  const comps = uniqueBy(records.map((r) => r.competition), (c) => c.providerId);
  const compIds = await upsertIds(tx, 'competitions', ['provider_id', 'slug', 'name'], comps.map((c) => [c.providerId, c.slug, c.name]), ['text', 'text', 'text']);
  const teams = uniqueBy(records.flatMap((r) => [r.homeTeam, r.awayTeam]).filter((t): t is TeamRecord => t !== null), (t) => t.providerId);
  const teamIds = await upsertIds(tx, 'teams', ['provider_id', 'name', 'short_name', 'abbreviation', 'logo_url'], teams.map((t) => [t.providerId, t.name, t.shortName, t.abbreviation, t.logoUrl]), ['text', 'text', 'text', 'text', 'text']);
  const venues = uniqueBy(records.map((r) => r.venue).filter((v): v is VenueRecord => v !== null), (v) => v.providerId);
  const venueIds = await upsertIds(tx, 'venues', ['provider_id', 'name', 'city', 'country'], venues.map((v) => [v.providerId, v.name, v.city, v.country]), ['text', 'text', 'text', 'text']);

  const cols: Array<[string, string, (r: MatchRecord) => unknown]> = [
    ['provider_id', 'text', (r) => r.providerId],
    ['competition_id', 'int', (r) => compIds.get(r.competition.providerId)],
    ['season', 'text', (r) => r.season],
    ['home_team_id', 'int', (r) => (r.homeTeam ? teamIds.get(r.homeTeam.providerId) : null)],
    ['away_team_id', 'int', (r) => (r.awayTeam ? teamIds.get(r.awayTeam.providerId) : null)],
    ['home_team_placeholder', 'text', (r) => r.homeTeamPlaceholder],
    ['away_team_placeholder', 'text', (r) => r.awayTeamPlaceholder],
    ['venue_id', 'int', (r) => (r.venue ? venueIds.get(r.venue.providerId) : null)],
    // matches.kickoff is a UTC timestamp without zone (Prisma's DateTime): pass UTC wall time, no session-zone cast.
    ['kickoff', 'timestamp', (r) => r.kickoff.toISOString().slice(0, -1)],
    ['status', 'text', (r) => r.status],
    ['status_detail', 'text', (r) => r.statusDetail],
    ['minute', 'int', (r) => r.minute],
    ['home_score', 'int', (r) => r.homeScore],
    ['away_score', 'int', (r) => r.awayScore],
    ['home_penalties', 'int', (r) => r.homePenalties],
    ['away_penalties', 'int', (r) => r.awayPenalties],
  ];
  const unique = uniqueBy(records, (r) => r.providerId);
  const names = cols.map(([c]) => c);
  const value = (c: string) => (c === 'status' ? `t.status::"MatchStatus"` : `t.${c}`);
  const updatable = names.filter((c) => c !== 'provider_id');
  const rows = (await tx.$queryRawUnsafe(
    `WITH t AS (SELECT * FROM unnest(${cols.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS t(${names.join(', ')})),
     prev AS (SELECT m.provider_id, m.status::text AS status, m.home_score, m.away_score, m.home_penalties, m.away_penalties
              FROM matches m JOIN t ON m.provider = '${PROVIDER}' AND m.provider_id = t.provider_id),
     up AS (INSERT INTO matches (provider, ${names.join(', ')}, updated_at)
            SELECT '${PROVIDER}', ${names.map(value).join(', ')}, now() FROM t
            ON CONFLICT (provider, provider_id) DO UPDATE SET ${updatable.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()
            WHERE (${updatable.map((c) => `matches.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `excluded.${c}`).join(', ')})
            RETURNING id, provider_id, (xmax = 0) AS inserted, status::text AS status, home_score, away_score, home_penalties, away_penalties)
     SELECT up.*, prev.status AS prev_status, prev.home_score AS prev_home_score, prev.away_score AS prev_away_score,
            prev.home_penalties AS prev_home_penalties, prev.away_penalties AS prev_away_penalties
     FROM up LEFT JOIN prev USING (provider_id)`,
    ...cols.map(([, , get]) => unique.map((r) => get(r) ?? null)),
  )) as Array<Record<string, unknown>>;

  const changes: MatchChange[] = rows.map((r) => ({
    matchId: Number(r.id), providerId: String(r.provider_id), inserted: Boolean(r.inserted), status: String(r.status),
    homeScore: r.home_score as number | null, awayScore: r.away_score as number | null,
    homePenalties: r.home_penalties as number | null, awayPenalties: r.away_penalties as number | null,
    prev: r.prev_status == null ? null : {
      status: String(r.prev_status), homeScore: r.prev_home_score as number | null, awayScore: r.prev_away_score as number | null,
      homePenalties: r.prev_home_penalties as number | null, awayPenalties: r.prev_away_penalties as number | null,
    },
  }));
  const ids = (await tx.$queryRawUnsafe(`SELECT id, provider_id FROM matches WHERE provider = '${PROVIDER}' AND provider_id = ANY($1::text[])`, unique.map((r) => r.providerId))) as Array<{ id: number; provider_id: string }>;
  const matchIds = new Map(ids.map((r) => [r.provider_id, Number(r.id)]));
  const newKeyEvents = await loadKeyEvents(tx, unique.flatMap((r) => r.keyEvents.map((e) => ({ matchId: matchIds.get(r.providerId)!, event: e }))), teamIds);
  return { ids: matchIds, teamIds, changes, newKeyEvents };
}

/** The same event must get the same key from the scoreboard (no ids) and the summary (ids). */
export function keyEventKey(e: KeyEvent): string {
  const who = e.athletes.map((a) => a.providerId).sort().join(',');
  const basis = [e.kind, e.shootout ? 'so' : '', e.period ?? '', e.minute ?? '', e.minuteAdded ?? '', e.teamProviderId ?? '', who].join('|');
  return createHash('sha1').update(basis).digest('hex').slice(0, 20);
}

export async function loadKeyEvents(tx: Sql, events: Array<{ matchId: number; event: KeyEvent }>, teamIds: Map<string, number>) {
  const rows = uniqueBy(events.map(({ matchId, event }) => ({ matchId, event, key: keyEventKey(event) })), (r) => `${r.matchId}:${r.key}`);
  if (!rows.length) return [];
  const inserted = (await tx.$queryRawUnsafe(
    `INSERT INTO match_key_events (match_id, event_key, kind, period, minute, minute_added, team_id, athletes, text)
     SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::jsonb[], $9::text[])
     ON CONFLICT (match_id, event_key) DO NOTHING
     RETURNING match_id, kind, event_key`,
    rows.map((r) => r.matchId), rows.map((r) => r.key), rows.map((r) => r.event.kind), rows.map((r) => r.event.period),
    rows.map((r) => r.event.minute), rows.map((r) => r.event.minuteAdded),
    rows.map((r) => (r.event.teamProviderId ? teamIds.get(r.event.teamProviderId) ?? null : null)),
    rows.map((r) => JSON.stringify(r.event.athletes)), rows.map((r) => r.event.text),
  )) as Array<{ match_id: number; kind: string; event_key: string }>;
  return inserted.map((r) => ({ matchId: Number(r.match_id), kind: r.kind, eventKey: r.event_key }));
}
