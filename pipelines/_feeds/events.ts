// Match change events: derived from each match's previous and new status and score, written to the
// match_domain_events outbox in the loading transaction (its unique key makes a replayed payload emit
// nothing), then published onto the match-events queue and marked published.
import type { z } from 'zod';
import { matchEvents, type matchEventPayload } from '../../queues/match-events.js';
import type { EngineDeps } from '../../src/engine.js';
import type { Executor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';

/** A match event as the match-events queue carries it; consumers must be idempotent (at-least-once). */
export type MatchEventMessage = z.output<typeof matchEventPayload>;
export type MatchEventConsumer = (event: MatchEventMessage, deps: EngineDeps) => Promise<unknown>;

export type MatchEventKind =
  | 'kick-off' | 'goal' | 'score-corrected' | 'half-time' | 'second-half' | 'end-of-regulation' | 'extra-time' | 'penalties'
  | 'full-time' | 'postponed' | 'cancelled' | 'abandoned' | 'suspended' | 'delayed' | 'red-card';

export interface MatchEvent {
  matchId: number;
  kind: MatchEventKind;
  eventKey: string;
  status: string;
  homeScore: number | null;
  awayScore: number | null;
}

export interface StateChange {
  matchId: number;
  status: string;
  homeScore: number | null;
  awayScore: number | null;
  homePenalties: number | null;
  awayPenalties: number | null;
  prev: { status: string; homeScore: number | null; awayScore: number | null; homePenalties: number | null; awayPenalties: number | null } | null;
}

const STATUS_EVENT: Record<string, MatchEventKind | undefined> = {
  FIRST_HALF: 'kick-off', HALF_TIME: 'half-time', SECOND_HALF: 'second-half', END_OF_REGULATION: 'end-of-regulation',
  EXTRA_TIME: 'extra-time', PENALTIES: 'penalties', FULL_TIME: 'full-time', AFTER_EXTRA_TIME: 'full-time', AFTER_PENALTIES: 'full-time',
  POSTPONED: 'postponed', CANCELLED: 'cancelled', ABANDONED: 'abandoned', SUSPENDED: 'suspended', DELAYED: 'delayed',
};

/** One event per change: a status transition, each goal (a score that went up), a corrected score. */
export function deriveEvents(c: StateChange): MatchEvent[] {
  const out: MatchEvent[] = [];
  const base = { matchId: c.matchId, status: c.status, homeScore: c.homeScore, awayScore: c.awayScore };
  const p = c.prev;
  if (!p) return out; // first sight of a match is not a change
  if (p.status !== c.status) {
    const kind = STATUS_EVENT[c.status];
    // Kick-off is only the first move out of a pre-match state; HALF_TIME → SECOND_HALF is "second-half".
    const k = kind === 'kick-off' && !['SCHEDULED', 'DELAYED', 'POSTPONED'].includes(p.status) ? undefined : kind;
    if (k) out.push({ ...base, kind: k, eventKey: `status:${c.status}` });
  }
  const [ph, pa, h, a] = [p.homeScore ?? 0, p.awayScore ?? 0, c.homeScore ?? 0, c.awayScore ?? 0];
  if (h < ph || a < pa) out.push({ ...base, kind: 'score-corrected', eventKey: `score:${h}-${a}:corrected-from:${ph}-${pa}` });
  for (let g = ph + 1; g <= h; g++) out.push({ ...base, kind: 'goal', eventKey: `goal:home:${g}` });
  for (let g = pa + 1; g <= a; g++) out.push({ ...base, kind: 'goal', eventKey: `goal:away:${g}` });
  return out;
}

/** Writes events to the outbox; returns only those not seen before (ids to publish). */
export async function recordEvents(tx: Executor, events: MatchEvent[]): Promise<Array<{ id: bigint; event: MatchEvent }>> {
  if (!events.length) return [];
  const rows = await tx.query<{ id: string; match_id: number; event_key: string }>(sql`
    INSERT INTO match_domain_events (match_id, event_key, kind, payload)
    SELECT * FROM unnest(${events.map((e) => e.matchId)}::int[], ${events.map((e) => e.eventKey)}::text[], ${events.map((e) => e.kind)}::text[],
      ${events.map((e) => JSON.stringify(e))}::jsonb[])
    ON CONFLICT (match_id, event_key) DO NOTHING
    RETURNING id, match_id, event_key`);
  const byKey = new Map(events.map((e) => [`${e.matchId}:${e.eventKey}`, e]));
  return rows.map((r) => ({ id: BigInt(r.id), event: byKey.get(`${r.match_id}:${r.event_key}`)! }));
}

/** Puts outbox events on the match-events queue (deterministic job ids: publishing twice is harmless). */
export async function publishEvents(deps: Pick<EngineDeps, 'enqueueBulk' | 'sql'>, rows: Array<{ id: bigint; event: MatchEvent }>): Promise<number> {
  if (!rows.length) return 0;
  await deps.enqueueBulk(matchEvents, rows.map(({ id, event }) => ({ payload: { ...event, eventId: id.toString() }, jobId: `match-event-${id}` })));
  await deps.sql.execute(sql`UPDATE match_domain_events SET published_at = now() AT TIME ZONE 'UTC' WHERE id = ANY(${rows.map((r) => r.id.toString())}::bigint[])`);
  return rows.length;
}

/** Re-publishes events a crash left unpublished (called by the planner). */
export async function republishPending(deps: Pick<EngineDeps, 'enqueueBulk' | 'sql' | 'db'>, olderThanMs = 60_000): Promise<number> {
  const pending = await deps.db.matchDomainEvent.findMany({ where: { publishedAt: null, createdAt: { lt: new Date(Date.now() - olderThanMs) } }, take: 500 });
  return publishEvents(deps, pending.map((p) => ({ id: p.id, event: p.payload as unknown as MatchEvent })));
}
