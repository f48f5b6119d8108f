// Every setting is an environment variable, parsed once here into a frozen object. Nothing else reads
// process.env. A bad value stops the process (exit code 2) with the variable, the problem and the default.
import { randomBytes } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.join(' or ')}//`);

/** name → [schema, default, description]. The README's configuration table is this list. */
export const settings = {
  NODE_ENV: [z.enum(['development', 'production', 'test']), 'development', 'production requires API_KEY'],
  REDIS_URL: [url(['redis:', 'rediss:']), 'redis://127.0.0.1:6379', 'Redis for queues, locks, rate limits'],
  DATABASE_URL: [url(['postgresql:', 'postgres:']), 'postgresql://postgres@127.0.0.1:5432/matchday', 'PostgreSQL; the database is created if missing'],
  PORT: [int(0, 65535), '3000', 'HTTP port; ROLE=worker serves only /healthz, /readyz and /metrics on it'],
  HOST: [z.string().min(1), '0.0.0.0', 'HTTP bind address'],
  API_KEY: [z.string().min(16, 'must be at least 16 characters').optional(), undefined, 'key for mutating routes and the dashboard; generated and logged once when unset outside production'],
  METRICS_REQUIRE_API_KEY: [bool, 'false', 'protect /metrics with the API key too'],
  ROLE: [z.enum(['all', 'worker', 'api']), 'all', 'all = HTTP + workers + schedules; worker = workers + schedules; api = HTTP only'],
  WORKER_QUEUES: [z.string(), '', 'comma-separated queues this process consumes; empty = all'],
  QUEUE_PREFIX: [z.string().min(1).regex(/^[^:\s]+$/, 'must not contain ":" or spaces'), 'matchday', 'Redis key prefix; may be a Cluster hash tag such as {matchday}'],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'pino log level'],
  SHUTDOWN_TIMEOUT_MS: [int(0), '30000', 'how long in-flight jobs may finish after SIGTERM before they are aborted'],
  WORKER_LOCK_DURATION_MS: [int(1000), '30000', 'BullMQ job lock; a dead worker\'s job is recovered within about this long'],
  WORKER_STALLED_INTERVAL_MS: [int(1000), '30000', 'how often workers look for stalled jobs'],
  SCHEDULES_ENABLED: [bool, 'true', 'register the queues\' schedules (ROLE all or worker)'],
  SCHEDULES: [z.string(), '', 'per-schedule overrides: "queue=off" or "queue=<cron>" or "queue=every:<ms>", separated by ";"'],
  CONCURRENCY: [z.string(), '', 'per-queue concurrency overrides: "queue=8,other=2"'],
  ENQUEUE_TIMEOUT_MS: [int(100), '2000', 'HTTP answers 503 when Redis does not answer within this'],
  IDEMPOTENCY_TTL_SECONDS: [int(1), '86400', 'how long an Idempotency-Key is remembered'],
  ANALYTICS_POOL_SIZE: [int(1, 100), '4', 'PostgreSQL connections for long analytical queries (archive replay, housekeeping), apart from the hot paths'],
  ANALYTICS_STATEMENT_TIMEOUT_MS: [int(1000), '60000', 'a statement on the analytics connections running longer is cancelled'],
  // ---- feed ingestion
  ESPN_BASE_URL: [url(['http:', 'https:']), 'https://site.api.espn.com/apis/site/v2/sports/soccer', 'ESPN public API base'],
  ESPN_LEAGUES: [z.string().min(1), 'eng.1,esp.1,ger.1,ita.1,fra.1,uefa.champions', 'ESPN league slugs to ingest'],
  ESPN_RATE_LIMIT_PER_MIN: [int(1), '60', 'ESPN requests per minute, shared by all replicas'],
  OPEN_METEO_FORECAST_URL: [url(['http:', 'https:']), 'https://api.open-meteo.com', 'Open-Meteo forecast API base'],
  OPEN_METEO_ARCHIVE_URL: [url(['http:', 'https:']), 'https://archive-api.open-meteo.com', 'Open-Meteo archive API base (finished matches)'],
  OPEN_METEO_GEOCODING_URL: [url(['http:', 'https:']), 'https://geocoding-api.open-meteo.com', 'Open-Meteo geocoding API base (venue coordinates)'],
  OPEN_METEO_RATE_LIMIT_PER_MIN: [int(1), '300', 'Open-Meteo requests per minute, shared by all replicas'],
  NEWS_FEEDS: [z.string(), 'bbc=https://feeds.bbci.co.uk/sport/football/rss.xml,sky=https://www.skysports.com/rss/12040', 'RSS feeds as name=url, comma-separated'],
  NEWS_RATE_LIMIT_PER_MIN: [int(1), '30', 'RSS requests per minute per feed host, shared by all replicas'],
  UPSTREAM_TIMEOUT_MS: [int(100), '20000', 'deadline of one request to a feed upstream'],
  UPSTREAM_BREAKER_VOLUME: [int(1), '10', 'requests in the rolling minute before a feed breaker may open'],
  UPSTREAM_BREAKER_RESET_MS: [int(100), '30000', 'how long a feed breaker stays open before a probe'],
  RATE_LIMITS_ENABLED: [bool, 'true', 'turn the shared upstream rate limits off (benchmarks, replay)'],
  FEEDS_REPLAY_DIR: [z.string().optional(), undefined, 'read recorded payloads from this directory (laid out like test/fixtures/) instead of the network'],
  SCOREBOARD_HOT_EVERY_MS: [int(10_000), '60000', 'scoreboard cadence for a league with a live match or a kick-off soon'],
  SCOREBOARD_HOT_WINDOW_MS: [int(0), '7200000', 'a kick-off within this makes a league hot'],
  SCOREBOARD_COLD_EVERY_MS: [int(60_000), '1800000', 'scoreboard cadence for other leagues (they fetch yesterday … +7 days)'],
  SUMMARY_LIVE_EVERY_MS: [int(10_000), '60000', 'summary cadence for live matches (plus once after full time)'],
  WEATHER_EVERY_MS: [int(60_000), '10800000', 'weather cadence for matches in the horizon (plus once at kick-off)'],
  WEATHER_HORIZON_DAYS: [int(1, 16), '5', 'fetch weather for matches kicking off within this many days'],
  NEWS_EVERY_MS: [int(60_000), '600000', 'news cadence (RSS feeds and ESPN news)'],
  LIVE_SNAPSHOT_TTL_SECONDS: [int(10), '300', 'how long a live match snapshot stays in Redis after its last update'],
  // ---- predictions
  ML_SERVICE_URL: [url(['http:', 'https:']).optional(), undefined, 'the ML service; unset = the built-in baseline model only'],
  ML_SERVICE_TOKEN: [z.string().optional(), undefined, 'Bearer token for the ML service'],
  PREDICT_CHUNK_SIZE: [int(1, 500), '100', 'matches per batch-predict call (the service takes at most 500)'],
  PREDICT_CONCURRENCY: [int(1, 64), '8', 'batch-predict calls in flight against the ML service'],
  PREDICT_DEBOUNCE_MS: [int(0), '30000', 'match events within this window cause one re-prediction'],
  CONFIDENCE_CUTOFFS: [z.string().regex(/^0?\.\d+,0?\.\d+$/, 'must be two decimals "low,high"'), '0.45,0.60', 'confidence below the first is low, below the second medium, else high'],
  RETRAIN_POLL_MS: [int(100), '15000', 'how often a retraining is polled (Retry-After wins when longer)'],
  RETRAIN_MAX_DURATION_MS: [int(1000), '7200000', 'give up on a retraining after this long'],
  RETRAIN_COOLDOWN_MS: [int(0), '21600000', 'drift alerts within this window start one retraining'],
} as const satisfies Record<string, readonly [z.ZodType, string | undefined, string]>;

type Settings = typeof settings;
type Raw = { [K in keyof Settings]: z.output<Settings[K][0]> };

export interface Config extends Omit<Raw, 'API_KEY' | 'WORKER_QUEUES' | 'SCHEDULES' | 'CONCURRENCY'> {
  API_KEY: string;
  API_KEY_GENERATED: boolean;
  WORKER_QUEUES: readonly string[];
  SCHEDULES: Readonly<Record<string, ScheduleOverride>>;
  CONCURRENCY: Readonly<Record<string, number>>;
}

export type ScheduleOverride = { off: true } | { pattern: string } | { everyMs: number };

export class ConfigError extends Error {}

function parseSchedules(raw: string): Record<string, ScheduleOverride> {
  const out: Record<string, ScheduleOverride> = {};
  for (const part of raw.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new Error(`"${part}" is not queue=value`);
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (value === 'off') out[name] = { off: true };
    else if (value.startsWith('every:')) {
      const ms = Number(value.slice(6));
      if (!Number.isInteger(ms) || ms < 1000) throw new Error(`"${part}": every: takes milliseconds ≥ 1000`);
      out[name] = { everyMs: ms };
    } else if (value.split(/\s+/).length >= 5) {
      try {
        CronExpressionParser.parse(value);
      } catch (err) {
        throw new Error(`"${part}": not a cron pattern (${(err as Error).message})`);
      }
      out[name] = { pattern: value };
    } else throw new Error(`"${part}": expected off, every:<ms> or a cron pattern`);
  }
  return out;
}

function parseConcurrency(raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!name || !Number.isInteger(n) || n < 1) throw new Error(`"${part}" is not queue=<positive integer>`);
    out[name] = n;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, [schema, def]] of Object.entries(settings)) {
    const given = env[name];
    const value = given === undefined || given === '' ? def : given;
    const res = (schema as z.ZodType).safeParse(value);
    if (res.success) raw[name] = res.data;
    else problems.push(`${name}=${JSON.stringify(given)}: ${res.error.issues.map((i) => i.message).join('; ')} (default: ${def ?? 'none'})`);
  }
  const extra: Array<[string, () => unknown]> = [
    ['SCHEDULES', () => parseSchedules(String(raw.SCHEDULES ?? ''))],
    ['CONCURRENCY', () => parseConcurrency(String(raw.CONCURRENCY ?? ''))],
    ['WORKER_QUEUES', () => String(raw.WORKER_QUEUES ?? '').split(',').map((s) => s.trim()).filter(Boolean)],
  ];
  for (const [name, parse] of extra) {
    try {
      raw[name] = parse();
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (raw.NODE_ENV === 'production' && !raw.API_KEY) {
    problems.push('API_KEY: required when NODE_ENV=production (no default)');
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const generated = !raw.API_KEY;
  return Object.freeze({
    ...(raw as unknown as Config),
    API_KEY: (raw.API_KEY as string | undefined) ?? randomBytes(24).toString('base64url'),
    API_KEY_GENERATED: generated,
  });
}
