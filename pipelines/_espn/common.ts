// Zod building blocks and record types shared by the ESPN scoreboard and summary transforms.
import { z } from 'zod';
import { keyString, prop } from '../_feeds/transform.js';
import { parseMatchClock } from './status.js';

export const PROVIDER = 'espn' as const;

/** ESPN ids are numeric strings in events and numbers in news; both become the string id. */
export const espnId = z
  .union([z.string().regex(/^\d+$/, 'expected a numeric id'), z.number().int().nonnegative()], {
    error: (issue) => (issue.input === undefined ? 'missing' : `expected a numeric id, got ${JSON.stringify(issue.input)}`),
  })
  .transform(String);

// Date.parse accepts almost anything ("garbage 2025" included), so the ISO shape is checked first.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
export const isoDate = z
  .string()
  .regex(ISO_DATE, 'expected an ISO date with a zone, e.g. 2025-05-25T15:00Z')
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a valid date: ${value}` });
      return z.NEVER;
    }
    return new Date(ms);
  });

/** Optional free text: absent, null and blank all become null. */
export const optText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()));

export const statusSchema = z.object({
  clock: z.number().nullish(),
  displayClock: z.string().nullish(),
  period: z.number().int().nullish(),
  type: z.object({
    id: z.string().nullish(),
    name: z.string().min(1),
    state: z.enum(['pre', 'in', 'post']),
    completed: z.boolean().nullish(),
    description: z.string().nullish(),
    detail: z.string().nullish(),
    shortDetail: z.string().nullish(),
  }),
});
export type RawStatus = z.output<typeof statusSchema>;

export const venueSchema = z.object({
  id: espnId.nullish(),
  fullName: z.string().nullish(),
  displayName: z.string().nullish(),
  address: z.object({ city: z.string().nullish(), country: z.string().nullish() }).nullish(),
});

export interface VenueRecord {
  providerId: string;
  name: string;
  city: string | null;
  country: string | null;
}

/** Without an id there is nothing stable to upsert on, so such a venue is dropped (the match is kept). */
export function toVenue(raw: z.output<typeof venueSchema> | null | undefined): VenueRecord | null {
  const name = raw?.fullName ?? raw?.displayName;
  if (!raw?.id || !name) return null;
  return {
    providerId: raw.id,
    name,
    city: blankToNull(raw.address?.city),
    country: blankToNull(raw.address?.country),
  };
}

export function blankToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

/** ESPN scores are strings ("2"), occasionally numbers. Blank means "no score". */
export const scoreSchema = z
  .union([z.string().regex(/^\s*\d*\s*$/, 'expected a numeric score'), z.number().int().nonnegative()])
  .nullish()
  .transform((v) => (v === undefined || v === null || String(v).trim() === '' ? null : Number(v)));

// ------------------------------------------------------------------ key events (goals, cards, subs)

export type KeyEventKind =
  | 'goal'
  | 'own-goal'
  | 'penalty-goal'
  | 'penalty-missed'
  | 'yellow-card'
  | 'red-card'
  | 'substitution';

export type KeyEventRole = 'scorer' | 'assist' | 'player' | 'on' | 'off';

export interface KeyEventAthlete {
  providerId: string;
  name: string;
  role: KeyEventRole;
  /** Only the scoreboard says which side the athlete plays for (it differs from the event's team on own goals). */
  teamProviderId: string | null;
}

export interface KeyEvent {
  /** Summary key events have ids; scoreboard `details` do not. */
  providerId: string | null;
  kind: KeyEventKind;
  /** ESPN's own label, e.g. "Goal - Header". */
  typeText: string;
  period: number | null;
  minute: number | null;
  minuteAdded: number | null;
  clockSeconds: number | null;
  /** The team credited: for an own goal, the team that benefits. */
  teamProviderId: string | null;
  shootout: boolean;
  athletes: KeyEventAthlete[];
  text: string | null;
}

export interface KeyEventFlags {
  scoringPlay?: boolean | null | undefined;
  ownGoal?: boolean | null | undefined;
  penaltyKick?: boolean | null | undefined;
  redCard?: boolean | null | undefined;
  yellowCard?: boolean | null | undefined;
}

/** Kickoff, half-time, drinks breaks… are timeline noise, not key events: they return null. */
export function classifyKeyEvent(label: string, flags: KeyEventFlags = {}): KeyEventKind | null {
  const t = label.toLowerCase();
  // VAR reversals mention "goal" but changed nothing on the scoreboard.
  if (/disallowed|overturned|no goal|goal ruled out|cancelled goal/.test(t)) return null;
  if (flags.ownGoal || /own[\s-]*goal/.test(t)) return 'own-goal';
  if (/penalty/.test(t) && /miss|saved|save/.test(t)) return 'penalty-missed';
  if (/penalty/.test(t) && (flags.scoringPlay || /scored/.test(t))) return 'penalty-goal';
  if (flags.penaltyKick && flags.scoringPlay) return 'penalty-goal';
  if (/goal/.test(t) || flags.scoringPlay) return 'goal';
  // A second booking is a sending-off; the label keeps the nuance.
  if (flags.redCard || /red[\s-]*card|second[\s-]*yellow|yellow[\s-]*red/.test(t)) return 'red-card';
  if (flags.yellowCard || /yellow[\s-]*card/.test(t)) return 'yellow-card';
  if (/substitution/.test(t)) return 'substitution';
  return null;
}

/** ESPN lists the scorer then the assister, and the player coming on then the one going off. */
export function athleteRole(kind: KeyEventKind, index: number): KeyEventRole {
  switch (kind) {
    case 'goal':
    case 'own-goal':
    case 'penalty-goal':
      return index === 0 ? 'scorer' : 'assist';
    case 'substitution':
      return index === 0 ? 'on' : 'off';
    default:
      return 'player';
  }
}

export function clockFields(displayValue: string | null | undefined, seconds: number | null | undefined) {
  const clock = parseMatchClock(displayValue, null);
  return {
    minute: clock?.minute ?? null,
    minuteAdded: clock?.added ?? null,
    clockSeconds: typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : null,
  };
}

// ------------------------------------------------------------------ keys for quarantined records

/** The event id, else the id inside the uid (`s:600~l:606~e:760512`), so a broken `id` still has a key. */
export function eventKey(raw: unknown): string | undefined {
  const id = keyString(prop(raw, 'id'));
  if (id) return id;
  const uid = prop(raw, 'uid');
  if (typeof uid === 'string') return /~e:(\d+)/.exec(uid)?.[1];
  return undefined;
}
