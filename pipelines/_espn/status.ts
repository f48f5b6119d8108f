// ESPN status → MatchStatus. ESPN is inconsistent across leagues and seasons (STATUS_FULL_TIME vs
// STATUS_FINAL, STATUS_CANCELED vs STATUS_CANCELLED, a generic STATUS_IN_PROGRESS next to the
// per-half names), so the name is normalised and looked up in a generous alias table; `period` and
// `detail` refine the generic names. `state` alone is never read as "finished": postponed and
// cancelled games are `state: "post", completed: false` too.
import { MatchStatus } from '../../src/generated/prisma/enums.js';

export { MatchStatus };

export interface EspnStatusType {
  name: string;
  state: 'pre' | 'in' | 'post';
  completed?: boolean | null | undefined;
  description?: string | null | undefined;
  detail?: string | null | undefined;
  shortDetail?: string | null | undefined;
}

export interface MappedStatus {
  status: MatchStatus;
  /** The ESPN name when it is not in the table (the status was then derived from state/period). */
  unknown?: string;
}

type Resolver = (type: EspnStatusType, period: number | null) => MatchStatus;

const inPlayFromPeriod: Resolver = (_type, period) => {
  if (period === 2) return MatchStatus.SECOND_HALF;
  if (period === 3 || period === 4) return MatchStatus.EXTRA_TIME;
  if (period !== null && period >= 5) return MatchStatus.PENALTIES;
  // Period 1, or no period at all: the earliest live state is the least wrong guess.
  return MatchStatus.FIRST_HALF;
};

const endOfPeriod: Resolver = (_type, period) => {
  if (period === 2) return MatchStatus.END_OF_REGULATION;
  // The break between the extra-time halves and the pause before a shoot-out are both still "extra time".
  if (period === 3 || period === 4) return MatchStatus.EXTRA_TIME;
  if (period !== null && period >= 5) return MatchStatus.PENALTIES;
  return MatchStatus.HALF_TIME;
};

const finalFromPeriodAndDetail: Resolver = (type, period) => {
  const text = `${type.detail ?? ''} ${type.shortDetail ?? ''} ${type.description ?? ''}`;
  if (/pen/i.test(text) || (period !== null && period >= 5)) return MatchStatus.AFTER_PENALTIES;
  if (/\bAET\b|extra time/i.test(text) || period === 3 || period === 4) return MatchStatus.AFTER_EXTRA_TIME;
  return MatchStatus.FULL_TIME;
};

// A weather stoppage before kick-off delays the match; during it, the match is suspended.
const weatherDelay: Resolver = (type) => (type.state === 'pre' ? MatchStatus.DELAYED : MatchStatus.SUSPENDED);

const fixed =
  (status: MatchStatus): Resolver =>
  () =>
    status;

/** Keys are names with `STATUS_` stripped, upper-case, separators collapsed to `_`. */
const TABLE: Record<string, Resolver> = {};
function alias(resolver: Resolver, ...names: string[]): void {
  for (const name of names) TABLE[name] = resolver;
}
alias(fixed(MatchStatus.SCHEDULED), 'SCHEDULED', 'PRE_GAME', 'PREGAME', 'NOT_STARTED', 'TBD', 'TIME_TBD');
alias(inPlayFromPeriod, 'IN_PROGRESS', 'INPROGRESS', 'LIVE', 'PLAYING');
alias(fixed(MatchStatus.FIRST_HALF), 'FIRST_HALF', '1ST_HALF', 'FIRSTHALF');
alias(fixed(MatchStatus.HALF_TIME), 'HALFTIME', 'HALF_TIME');
alias(fixed(MatchStatus.SECOND_HALF), 'SECOND_HALF', '2ND_HALF', 'SECONDHALF');
alias(endOfPeriod, 'END_PERIOD', 'END_OF_PERIOD');
alias(
  fixed(MatchStatus.END_OF_REGULATION),
  'END_OF_REGULATION',
  'END_REGULATION',
  'END_OF_REGULATION_TIME',
  'END_REGULAR_TIME',
  'END_OF_REGULAR_TIME',
);
alias(
  fixed(MatchStatus.EXTRA_TIME),
  'OVERTIME',
  'EXTRA_TIME',
  'EXTRATIME',
  'FIRST_HALF_EXTRA_TIME',
  'SECOND_HALF_EXTRA_TIME',
  'EXTRA_TIME_FIRST_HALF',
  'EXTRA_TIME_SECOND_HALF',
  'HALFTIME_ET',
  'HALF_TIME_ET',
  'HALFTIME_EXTRA_TIME',
  'EXTRA_TIME_HALF_TIME',
  'END_OF_EXTRATIME',
  'END_OF_EXTRA_TIME',
  'END_EXTRA_TIME',
  'END_OF_OVERTIME',
);
alias(
  fixed(MatchStatus.PENALTIES),
  'SHOOTOUT',
  'SHOOT_OUT',
  'PENALTIES',
  'PENALTY_SHOOTOUT',
  'PENALTY_SHOOT_OUT',
  'IN_SHOOTOUT',
);
alias(finalFromPeriodAndDetail, 'FINAL', 'FINAL_SCORE', 'END_OF_GAME', 'END_OF_MATCH');
// A forfeit is an awarded, official result: for predictions it settles like a finished match.
alias(fixed(MatchStatus.FULL_TIME), 'FULL_TIME', 'FULLTIME', 'FT', 'FORFEIT', 'FORFEITED', 'AWARDED');
alias(
  fixed(MatchStatus.AFTER_EXTRA_TIME),
  'FINAL_AET',
  'FINAL_ET',
  'FINAL_EXTRA_TIME',
  'FINAL_OVERTIME',
  'FINAL_OT',
  'FULL_TIME_AET',
  'AET',
);
alias(
  fixed(MatchStatus.AFTER_PENALTIES),
  'FINAL_PEN',
  'FINAL_PENS',
  'FINAL_PENALTIES',
  'FINAL_PK',
  'FINAL_SHOOTOUT',
  'FULL_TIME_PENS',
  'FT_PENS',
);
alias(fixed(MatchStatus.POSTPONED), 'POSTPONED');
alias(fixed(MatchStatus.CANCELLED), 'CANCELED', 'CANCELLED');
alias(fixed(MatchStatus.ABANDONED), 'ABANDONED');
alias(fixed(MatchStatus.SUSPENDED), 'SUSPENDED', 'INTERRUPTED');
alias(fixed(MatchStatus.DELAYED), 'DELAYED', 'DELAYED_START', 'START_DELAYED');
alias(weatherDelay, 'RAIN_DELAY', 'WEATHER_DELAY');

export function normaliseStatusName(name: string): string {
  return name
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^STATUS_/, '');
}

/** Every ESPN name (normalised, without `STATUS_`) the table knows. */
export const KNOWN_ESPN_STATUS_NAMES: readonly string[] = Object.keys(TABLE);

export function mapEspnStatus(type: EspnStatusType, period: number | null = null): MappedStatus {
  const resolver = TABLE[normaliseStatusName(type.name)];
  if (resolver) return { status: resolver(type, period) };
  return { status: fallback(type, period), unknown: type.name };
}

// Unknown name: the human-readable texts usually still say what happened; otherwise `state` decides.
function fallback(type: EspnStatusType, period: number | null): MatchStatus {
  const text = `${type.name} ${type.description ?? ''} ${type.detail ?? ''}`;
  if (/postpon/i.test(text)) return MatchStatus.POSTPONED;
  if (/cancel/i.test(text)) return MatchStatus.CANCELLED;
  if (/abandon/i.test(text)) return MatchStatus.ABANDONED;
  if (/suspend|interrupt/i.test(text)) return MatchStatus.SUSPENDED;
  if (/delay/i.test(text)) return MatchStatus.DELAYED;
  switch (type.state) {
    case 'pre':
      return MatchStatus.SCHEDULED;
    case 'in':
      return inPlayFromPeriod(type, period);
    case 'post':
      // Over but not completed has no safe "final" reading; POSTPONED keeps the match open
      // (no result settled, predictions not void) until a known status arrives.
      return type.completed === true ? finalFromPeriodAndDetail(type, period) : MatchStatus.POSTPONED;
  }
}

const LIVE: ReadonlySet<MatchStatus> = new Set<MatchStatus>([
  MatchStatus.FIRST_HALF,
  MatchStatus.HALF_TIME,
  MatchStatus.SECOND_HALF,
  MatchStatus.END_OF_REGULATION,
  MatchStatus.EXTRA_TIME,
  MatchStatus.PENALTIES,
]);

const FINISHED: ReadonlySet<MatchStatus> = new Set<MatchStatus>([
  MatchStatus.FULL_TIME,
  MatchStatus.AFTER_EXTRA_TIME,
  MatchStatus.AFTER_PENALTIES,
]);

/** In play or in a scheduled break. SUSPENDED is neither live nor finished: it may resume or be abandoned. */
export function isLive(status: MatchStatus): boolean {
  return LIVE.has(status);
}

/** A result exists and settles predictions. Abandoned/cancelled/postponed matches are not finished. */
export function isFinished(status: MatchStatus): boolean {
  return FINISHED.has(status);
}

export interface MatchClock {
  minute: number;
  /** Stoppage time: `45'+6'` is minute 45, added 6, so the pair orders correctly across halves. */
  added: number | null;
}

/** `"38'"`, `"45'+6'"`, `"90+2"` → minute/added; falls back to the clock in seconds. */
export function parseMatchClock(displayClock: string | null | undefined, clockSeconds?: number | null): MatchClock | null {
  const m = /^\s*(\d{1,3})\s*'?\s*(?:\+\s*(\d{1,2})\s*'?)?\s*$/.exec(displayClock ?? '');
  if (m?.[1] !== undefined) {
    return { minute: Number(m[1]), added: m[2] === undefined ? null : Number(m[2]) };
  }
  // ESPN shows a running minute: 387 s is displayed as 7'.
  if (typeof clockSeconds === 'number' && Number.isFinite(clockSeconds) && clockSeconds > 0) {
    return { minute: Math.ceil(clockSeconds / 60), added: null };
  }
  return null;
}
