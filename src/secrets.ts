// Secrets never leave the process as text: not in logs, job failure reasons, dead letters or Bull Board.
// The logger scrubs every line; the upstream client scrubs what it quotes from an upstream's answer
// (an error body can echo the request's Authorization header) before any error is built from it.

export const REDACTED = '[REDACTED]';
/**
 * Shorter values are not scrubbed: replacing a three-letter value everywhere would mangle every message,
 * and no credential worth the name is that short (API_KEY needs 16).
 */
export const MIN_SECRET_CHARS = 8;

/** Settings holding a secret, by name (API_KEY, ML_SERVICE_TOKEN, and any *_SECRET / *_PASSWORD later). */
const SECRET_SETTING = /(^|_)(KEY|TOKEN|SECRET|PASSWORD)$/;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s/]*)@/gi;
/** Request headers whose values are credentials. */
const SECRET_HEADER = /authorization|api-key|token|secret|cookie|password/i;

/** Removes the password from connection URLs so they can be logged. */
export function redactUrl(value: string): string {
  return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
}

/**
 * Replaces the password of every URL-like word ("scheme://user:password@host", "user:password@host").
 * Unlike redactUrl it also handles malformed URLs (a password with "/" or "@" in it, a missing scheme),
 * because those are exactly the values a configuration error quotes.
 */
export function redactCredentials(text: string): string {
  return text.replace(/[^\s,]+/g, (word) => {
    const at = word.lastIndexOf('@');
    if (at < 0) return word;
    const slashes = word.indexOf('//');
    const start = slashes >= 0 && slashes < at ? slashes + 2 : word.lastIndexOf('=', at) + 1;
    const colon = word.indexOf(':', start);
    return colon < 0 || colon > at ? word : `${word.slice(0, colon + 1)}${REDACTED}${word.slice(at)}`;
  });
}

/** The passwords inside the URLs in `value`, as written and decoded. */
export function urlPasswords(value: string): string[] {
  return [...value.matchAll(URL_PASSWORD)].flatMap((m) => {
    const raw = m[2]!;
    try {
      return [raw, decodeURIComponent(raw)];
    } catch {
      return [raw];
    }
  });
}

/** The strings of a parsed setting: itself, or those inside a list or map setting (NEWS_FEEDS' URLs). */
const settingStrings = (value: unknown): string[] =>
  typeof value === 'string' ? [value]
  : Array.isArray(value) ? value.flatMap(settingStrings)
  : value instanceof Map ? [...value.values()].flatMap(settingStrings)
  : [];

/** The secret values among the settings: secret-named ones, and passwords inside any URL a setting holds. */
export function configSecrets(config: Readonly<object>): string[] {
  return Object.entries(config).flatMap(([name, value]) => {
    const strings = settingStrings(value);
    return [...(SECRET_SETTING.test(name) ? strings : []), ...strings.flatMap(urlPasswords)];
  });
}

/** A setting whose value is a secret by its name (API_KEY, ML_SERVICE_TOKEN, *_SECRET, *_PASSWORD). */
export const isSecretSetting = (name: string) => SECRET_SETTING.test(name);

/** The credentials among request headers: each value, and the part after the scheme (`Bearer <token>`). */
export function headerSecrets(headers: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(headers ?? {}).flatMap(([name, value]) => {
    if (!SECRET_HEADER.test(name)) return [];
    const [scheme, credentials] = value.split(/\s+/, 2);
    if (!credentials) return [value];
    if (scheme!.toLowerCase() !== 'basic') return [value, credentials];
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    return [value, credentials, decoded, decoded.slice(decoded.indexOf(':') + 1)];
  });
}

export class Redactor {
  /** Longest first, so a secret that contains another is replaced whole. */
  private readonly secrets: readonly string[];
  private readonly longest: number;

  constructor(secrets: Iterable<string | null | undefined>) {
    this.secrets = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_CHARS))].sort((a, b) => b.length - a.length);
    this.longest = this.secrets[0]?.length ?? 0;
  }

  with(more: Iterable<string | null | undefined>): Redactor {
    return new Redactor([...this.secrets, ...more]);
  }

  scrub(text: string): string {
    let out = redactUrl(text);
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /**
   * The first `max` characters, scrubbed. Scrubbed before the cut (reading `max` + the longest secret),
   * so a secret that straddles the cut cannot leave its first half behind.
   */
  cut(text: string, max: number): string {
    return this.scrub(text.slice(0, max + this.longest)).slice(0, max);
  }
}
