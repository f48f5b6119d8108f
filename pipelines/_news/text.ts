// Text helpers for feed content: HTML to plain text, entity decoding, accent folding, RFC-822 dates.

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  hellip: '…',
  bull: '•',
  middot: '·',
  pound: '£',
  euro: '€',
  dollar: '$',
  cent: '¢',
  yen: '¥',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  times: '×',
  laquo: '«',
  raquo: '»',
  iexcl: '¡',
  iquest: '¿',
  szlig: 'ß',
  zwnj: '\u200c',
  zwj: '\u200d',
};
// Latin letters with accents (&eacute; &Ouml; &ccedil; …) are generated rather than listed.
const ACCENTS: Record<string, string> = {
  acute: '\u0301',
  grave: '\u0300',
  circ: '\u0302',
  tilde: '\u0303',
  uml: '\u0308',
  ring: '\u030a',
  cedil: '\u0327',
};

function decodeEntity(entity: string, body: string): string {
  if (body.startsWith('#x') || body.startsWith('#X')) return fromCodePoint(parseInt(body.slice(2), 16), entity);
  if (body.startsWith('#')) return fromCodePoint(parseInt(body.slice(1), 10), entity);
  const named = NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()];
  if (named !== undefined) return named;
  const accented = /^([A-Za-z])(acute|grave|circ|tilde|uml|ring|cedil)$/.exec(body);
  if (accented?.[1] && accented[2]) return `${accented[1]}${ACCENTS[accented[2]]}`.normalize('NFC');
  return entity;
}

function fromCodePoint(cp: number, fallback: string): string {
  return Number.isInteger(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : fallback;
}

export function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#\d+|[A-Za-z][A-Za-z0-9]*);/g, (entity, body: string) =>
    decodeEntity(entity, body),
  );
}

/**
 * Plain text from an HTML fragment. Tags go first and entities after, so an escaped `&lt;b&gt;` in the
 * text survives as the literal `<b>` instead of being mistaken for markup.
 */
export function htmlToText(html: string): string {
  const withoutTags = html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(br|\/p|\/div|\/li|\/h[1-6])\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(withoutTags)
    .replace(/[\u200b-\u200d\u2060\ufeff]/g, '') // zero-width characters (Sky uses &#8204;)
    .replace(/[\s\u00a0]+/g, ' ')
    .trim();
}

/**
 * Text, or null when there is none: empty after trimming, or a placeholder some feed generator printed
 * for a missing value ("null", "undefined"). Storing those would show readers the word "null".
 */
export function realText(value: string | null | undefined): string | null {
  const t = value?.trim() ?? '';
  return t === '' || /^(null|undefined)$/i.test(t) ? null : t;
}

/** Lower-case, accents removed, every non letter/digit run turned into one space. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

// ------------------------------------------------------------------ RFC-822 dates

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/** Zone abbreviations seen in feeds, in minutes east of UTC. BST is not RFC-822, yet Sky uses it. */
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  BST: 60,
  WET: 0,
  WEST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
};

const RFC822 =
  /^\s*(?:[A-Za-z]{3,9},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,5})\s*$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** RFC-822 (`Thu, 24 Sep 2026 15:22:00 BST`) or zoned ISO-8601; null when invalid or without a zone. */
export function parseFeedDate(text: string): Date | null {
  const trimmed = text.trim();
  if (ISO.test(trimmed)) {
    const ms = Date.parse(trimmed);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  const m = RFC822.exec(trimmed);
  if (!m) return null;
  const [, dd, mon, yy, hh, mi, ss, zone] = m;
  const month = MONTHS[(mon ?? '').toLowerCase()];
  if (month === undefined || !dd || !yy || !hh || !mi || !zone) return null;
  let year = Number(yy);
  if (yy.length === 2) year += year < 50 ? 2000 : 1900;
  let offset: number | undefined;
  if (/^[+-]\d{4}$/.test(zone)) {
    const sign = zone.startsWith('-') ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  } else {
    offset = ZONES[zone.toUpperCase()];
  }
  if (offset === undefined) return null;
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = ss ? Number(ss) : 0;
  if (hour > 23 || minute > 59 || second > 60) return null;
  const local = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 31 Feb over into March; a real date survives the round trip.
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return null;
  return new Date(local - offset * 60_000);
}
