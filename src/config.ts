// Every setting is an environment variable, parsed once here into a frozen object. Nothing else reads
// process.env. A bad value stops the process (exit code 2) with the variable, the problem and the default.
import { randomBytes } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { isSecretSetting, redactCredentials } from './secrets.js';

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

/** A structured setting parsed into its typed form here; `parse` throws an Error saying what is wrong. */
const structured = <T>(parse: (raw: string) => T) =>
  z.string().transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
const items = (raw: string, separator: string) => raw.split(separator).map((s) => s.trim()).filter(Boolean);
// The payload schema of the ESPN queues accepts the same slugs (queues/ingest-espn-*.ts).
const ESPN_LEAGUE = /^[a-z0-9_]+\.[a-z0-9_.]+$/;
// A feed name is an ingest-news-rss payload (queues/ingest-news-rss.ts).
const FEED_NAME = /^[^\s,=]+$/;

/** name → [schema, default, description]. The README's configuration table is this list. */
export const settings = {
  NODE_ENV: [z.enum(['development', 'production', 'test']), 'development', 'production requires API_KEY'],
  REDIS_URL: [url(['redis:', 'rediss:']), 'redis://127.0.0.1:6379', 'Redis for queues, locks, rate limits'],
  REDIS_CLUSTER_NODES: [structured(parseClusterNodes), '', 'Redis Cluster seed nodes as host:port, comma-separated; set = Cluster mode (REDIS_URL then gives only user, password and rediss: TLS; QUEUE_PREFIX must be a hash tag)'],
  ENQUEUE_ACK_REPLICAS: [int(0, 10), '0', 'HTTP enqueues answer only once this many Redis replicas have the job (WAIT), else 503; 0 = once the master has it'],
  ENQUEUE_ACK_TIMEOUT_MS: [int(10, 60_000), '1000', 'how long an enqueue waits for ENQUEUE_ACK_REPLICAS (within ENQUEUE_TIMEOUT_MS)'],
  DATABASE_URL: [url(['postgresql:', 'postgres:']), 'postgresql://postgres@127.0.0.1:5432/matchday', 'PostgreSQL; the database is created if missing'],
  PORT: [int(0, 65535), '3000', 'HTTP port; ROLE=worker serves only /healthz, /readyz and /metrics on it'],
  HOST: [z.string().min(1), '0.0.0.0', 'HTTP bind address'],
  API_KEY: [z.string().min(16, 'must be at least 16 characters').optional(), undefined, 'key for mutating routes and the dashboard; generated and logged once when unset outside production'],
  METRICS_REQUIRE_API_KEY: [bool, 'false', 'protect /metrics with the API key too'],
  ROLE: [z.enum(['all', 'worker', 'api']), 'all', 'all = HTTP + workers + schedules; worker = workers + schedules; api = HTTP only'],
  WORKER_QUEUES: [structured((raw) => Object.freeze(items(raw, ','))), '', 'comma-separated queues this process consumes; empty = all'],
  QUEUE_PREFIX: [z.string().min(1).regex(/^[^:\s]+$/, 'must not contain ":" or spaces'), 'matchday', 'Redis key prefix; may be a Cluster hash tag such as {matchday}'],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'pino log level'],
  SHUTDOWN_TIMEOUT_MS: [int(0), '30000', 'how long in-flight jobs may finish after SIGTERM before they are aborted'],
  WORKER_LOCK_DURATION_MS: [int(1000), '30000', 'BullMQ job lock; a dead worker\'s job is recovered within about this long'],
  WORKER_STALLED_INTERVAL_MS: [int(1000), '30000', 'how often workers look for stalled jobs'],
  SCHEDULES_ENABLED: [bool, 'true', 'register the queues\' schedules (ROLE all or worker)'],
  SCHEDULES: [structured(parseSchedules), '', 'per-schedule overrides: "queue=off" or "queue=<cron>" or "queue=every:<ms>", separated by ";"'],
  CONCURRENCY: [structured(parseConcurrency), '', 'per-queue concurrency overrides: "queue=8,other=2"'],
  ENQUEUE_TIMEOUT_MS: [int(100), '2000', 'HTTP answers 503 when Redis does not answer within this'],
  IDEMPOTENCY_TTL_SECONDS: [int(1), '86400', 'how long an Idempotency-Key is remembered'],
  ANALYTICS_POOL_SIZE: [int(1, 100), '4', 'PostgreSQL connections for long analytical queries (archive replay, housekeeping), apart from the hot paths'],
  ANALYTICS_STATEMENT_TIMEOUT_MS: [int(1000), '60000', 'a statement on the analytics connections running longer is cancelled'],
  // ---- feed ingestion
  ESPN_BASE_URL: [url(['http:', 'https:']), 'https://site.api.espn.com/apis/site/v2/sports/soccer', 'ESPN public API base'],
  ESPN_LEAGUES: [structured(parseLeagues), 'eng.1,esp.1,ger.1,ita.1,fra.1,uefa.champions', 'ESPN league slugs to ingest, comma-separated'],
  ESPN_RATE_LIMIT_PER_MIN: [int(1), '60', 'ESPN requests per minute, shared by all replicas'],
  OPEN_METEO_FORECAST_URL: [url(['http:', 'https:']), 'https://api.open-meteo.com', 'Open-Meteo forecast API base'],
  OPEN_METEO_ARCHIVE_URL: [url(['http:', 'https:']), 'https://archive-api.open-meteo.com', 'Open-Meteo archive API base (finished matches)'],
  OPEN_METEO_GEOCODING_URL: [url(['http:', 'https:']), 'https://geocoding-api.open-meteo.com', 'Open-Meteo geocoding API base (venue coordinates)'],
  OPEN_METEO_RATE_LIMIT_PER_MIN: [int(1), '300', 'Open-Meteo requests per minute, shared by all replicas'],
  NEWS_FEEDS: [structured(parseFeeds), 'bbc=https://feeds.bbci.co.uk/sport/football/rss.xml,sky=https://www.skysports.com/rss/12040', 'RSS feeds as name=url, comma-separated (names unique, URLs http or https)'],
  NEWS_RATE_LIMIT_PER_MIN: [int(1), '30', 'RSS requests per minute per feed host, shared by all replicas'],
  UPSTREAM_TIMEOUT_MS: [int(100), '20000', 'deadline of one request to a feed upstream'],
  UPSTREAM_BREAKER_VOLUME: [int(1), '10', 'requests in the rolling minute before a feed breaker may open'],
  UPSTREAM_BREAKER_RESET_MS: [int(100), '30000', 'how long a feed breaker stays open before a probe'],
  UPSTREAM_BREAKER_MAX_WAIT_MS: [int(0), '1800000', 'how long in all one job may wait for open breakers without spending attempts; then each wait counts as a failed attempt'],
  UPSTREAM_MAX_RETRY_AFTER_MS: [int(1000), '900000', 'longest upstream Retry-After obeyed; a longer one is capped to this, logged and counted'],
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
  CONFIDENCE_CUTOFFS: [z.string().regex(/^0?\.\d+,0?\.\d+$/, 'must be two decimals "low,high"').pipe(structured(parseCutoffs)), '0.45,0.60', 'confidence below the first is low, below the second medium, else high'],
  RETRAIN_POLL_MS: [int(100), '15000', 'how often a retraining is polled (Retry-After wins when longer)'],
  RETRAIN_MAX_DURATION_MS: [int(1000), '7200000', 'give up on a retraining after this long'],
  RETRAIN_COOLDOWN_MS: [int(0), '21600000', 'drift alerts within this window start one retraining'],
  // ---- model statistics
  BACKFILL_DATA_DIR: [z.string().min(1).optional(), undefined, 'football-data.co.uk CSVs (<Div>/<season>.csv) the backfill job loads'],
  BACKFILL_HISTORY_DIR: [z.string().min(1).optional(), undefined, 'results-only history (results-pddl layout) that warms the backfill\'s walk-forward up'],
  STATS_DEBOUNCE_MS: [int(0), '30000', 'full-time events within this window cause one statistics update of the versions that predicted them'],
  DRIFT_CURRENT_DAYS: [int(1, 3650), '30', 'drift: the current window is the last this many days of predictions'],
  DRIFT_REFERENCE_DAYS: [int(0, 3650), '0', 'drift: reference window length before the current one; 0 = the version\'s training window (else the 90 days before the current window)'],
  DRIFT_MIN_SAMPLE: [int(2), '30', 'drift: below this many rows in either window a check reports insufficient data'],
  DRIFT_LARGE_SAMPLE: [int(10), '1000', 'drift: above this many reference rows distances replace p-value tests'],
  DRIFT_ALPHA: [z.coerce.number().gt(0).lt(1), '0.05', 'drift: significance level of the p-value tests (after the correction)'],
  DRIFT_CRITICAL_P: [z.coerce.number().gt(0).lt(1), '0.001', 'drift: a corrected p-value below this is critical'],
  DRIFT_CORRECTION: [z.enum(['bh', 'bonferroni', 'holm', 'none']), 'bh', 'drift: multiple-test correction across features'],
  DRIFT_PSI_WARN: [z.coerce.number().positive(), '0.1', 'drift: PSI at or above this warns'],
  DRIFT_PSI_CRITICAL: [z.coerce.number().positive(), '0.25', 'drift: PSI at or above this is critical'],
  DRIFT_DISTANCE_WARN: [z.coerce.number().positive(), '0.1', 'drift: normed Wasserstein or JS distance at or above this warns (large samples)'],
  DRIFT_DISTANCE_CRITICAL: [z.coerce.number().positive(), '0.2', 'drift: normed Wasserstein or JS distance at or above this is critical'],
  DRIFT_RPS_WARN: [z.coerce.number().positive(), '0.01', 'drift: rolling RPS worse than the reference RPS by this much warns'],
  DRIFT_RPS_CRITICAL: [z.coerce.number().positive(), '0.02', 'drift: rolling RPS worse than the reference RPS by this much is critical'],
  AB_SRM_P: [z.coerce.number().gt(0).lt(1), '0.001', 'A/B tests: a sample-ratio-mismatch p-value below this marks the test unhealthy'],
  // ---- agents
  AGENT_OS_URL: [url(['http:', 'https:']).optional(), undefined, 'the Agent OS; unset = agent-os tasks fail at once (not retried)'],
  AGENT_OS_TOKEN: [z.string().optional(), undefined, 'Bearer token for the Agent OS'],
  AGENT_OS_CALLBACK_URL: [url(['http:', 'https:']).optional(), undefined, 'callback_url sent with each run (POST /agent-os/callbacks on this engine, reached with the API key); unset = polling only'],
  AGENT_OS_CALLBACK_SECRET: [z.string().min(16, 'must be at least 16 characters').optional(), undefined, 'Standard Webhooks secret the Agent OS signs callbacks with; unset = callbacks refused'],
  AGENT_OS_POLL_MIN_MS: [int(10), '2000', 'shortest poll interval of an Agent OS run; a run is polled every quarter of its age, within AGENT_OS_POLL_MIN_MS … AGENT_OS_POLL_MAX_MS (a longer Retry-After wins)'],
  AGENT_OS_POLL_MAX_MS: [int(10), '30000', 'longest poll interval of an Agent OS run'],
  AGENT_OS_RATE_LIMIT_PER_MIN: [int(1), '600', 'Agent OS requests per minute, shared by all replicas'],
  AGENT_TASK_TIMEOUTS: [structured(parseTaskTimeouts), '', 'per-kind task deadlines overriding the defaults agent-os=1800000, insight=180000, webhook=30000, enqueue=3600000, noop=60000 (ms): "webhook=10000,insight=60000"'],
  AGENT_ERROR_AFTER_FAILURES: [int(0, 1000), '5', 'an agent whose last this many tasks failed (or timed out) goes to ERROR and takes no new work until started; 0 = never'],
  OLLAMA_URL: [url(['http:', 'https:']).optional(), undefined, 'Ollama for insights; unset = the template writer only'],
  OLLAMA_MODEL: [z.string().min(1).max(100), 'gemma3:4b', 'the Ollama model insights are written with'],
  OLLAMA_PARALLELISM: [int(1, 64), '1', 'LLM calls in flight across all replicas (match the server\'s OLLAMA_NUM_PARALLEL)'],
  OLLAMA_TIMEOUT_MS: [int(1000), '120000', 'deadline of one Ollama chat call'],
  AGENT_PERFORMANCE_WINDOWS: [structured(parseWindows), '1h,24h,7d', 'windows GET /agents/:id/performance reports, as <n>m, <n>h or <n>d, comma-separated'],
  // ---- social
  SOCIAL_CELEBRITY_FOLLOWERS: [int(1), '100000', 'authors with more followers are not fanned out into home feeds but merged at read time'],
  SOCIAL_FANOUT_CHUNK_SIZE: [int(1, 100_000), '5000', 'recipients per fan-out chunk (one child job, one INSERT … SELECT); smaller audiences are notified inline'],
  SOCIAL_FANOUT_CONCURRENCY: [int(1, 64), '2', 'fan-out chunks in flight across all replicas (the large-audience lane)'],
  SOCIAL_COALESCE_WINDOW_MS: [int(1000), '600000', 'likes and follows of one subject within this window update one notification'],
  SOCKETIO_KEY: [z.string().min(1).regex(/^[^#\s]+$/, 'must not contain "#" or spaces'), 'socket.io', 'key (channel prefix) of the backend\'s Socket.IO Redis adapter'],
  SOCKETIO_NAMESPACE: [z.string().regex(/^\/[^#\s]*$/, 'must start with "/" and contain no "#" or spaces'), '/notifications', 'Socket.IO namespace of the backend\'s gateway'],
  PREDICTION_LIVE_TTL_SECONDS: [int(10), '86400', 'how long the latest prediction per match stays in Redis'],
  SOCIAL_PUSH_WEBHOOK_URL: [url(['http:', 'https:']).optional(), undefined, 'push channel webhook; unset = no push'],
  SOCIAL_EMAIL_WEBHOOK_URL: [url(['http:', 'https:']).optional(), undefined, 'email channel webhook; unset = no email'],
  SOCIAL_WEBHOOK_RATE_LIMIT_PER_MIN: [int(1), '600', 'requests per minute per webhook channel, shared by all replicas'],
} as const satisfies Record<string, readonly [z.ZodType, string | undefined, string]>;

type Settings = typeof settings;
type Raw = { [K in keyof Settings]: z.output<Settings[K][0]> };

export interface Config extends Omit<Raw, 'API_KEY'> {
  API_KEY: string;
  API_KEY_GENERATED: boolean;
}

export type ScheduleOverride = { off: true } | { pattern: string } | { everyMs: number };

export class ConfigError extends Error {}

function parseSchedules(raw: string): Readonly<Record<string, ScheduleOverride>> {
  const out: Record<string, ScheduleOverride> = {};
  for (const part of items(raw, ';')) {
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
  return Object.freeze(out);
}

export type ClusterNodes = ReadonlyArray<{ host: string; port: number }>;

function parseClusterNodes(raw: string): ClusterNodes {
  const out = items(raw, ',').map((part) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):(\d{1,5})$/.exec(part);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) throw new Error(`"${part}" is not host:port`);
    return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  return Object.freeze(out);
}

/**
 * The Redis Cluster hash tag of a key prefix, following the cluster spec: the text between the first "{"
 * and the next "}", when not empty; null when the prefix has none (its keys would spread over slots).
 */
export function hashTag(prefix: string): string | null {
  const open = prefix.indexOf('{');
  if (open < 0) return null;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : null;
}

function parseConcurrency(raw: string): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const part of items(raw, ',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!name || !Number.isInteger(n) || n < 1) throw new Error(`"${part}" is not queue=<positive integer>`);
    out[name] = n;
  }
  return Object.freeze(out);
}

function parseLeagues(raw: string): readonly string[] {
  const leagues = [...new Set(items(raw, ','))];
  const bad = leagues.filter((l) => !ESPN_LEAGUE.test(l));
  if (bad.length) throw new Error(`${bad.map((l) => `"${l}"`).join(', ')}: not an ESPN league slug such as eng.1`);
  if (!leagues.length) throw new Error('names no league');
  return Object.freeze(leagues);
}

function parseFeeds(raw: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const part of items(raw, ',')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new Error(`"${part}" is not name=url`);
    const name = part.slice(0, eq).trim();
    const url = part.slice(eq + 1).trim();
    if (!FEED_NAME.test(name)) throw new Error(`"${name}": a feed name has no spaces`);
    if (out.has(name)) throw new Error(`"${name}" is named twice`);
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      /* reported below */
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`"${part}": the URL must start with http:// or https://`);
    out.set(name, url);
  }
  return out;
}

export const TASK_TIMEOUT_DEFAULTS = { 'agent-os': 1_800_000, insight: 180_000, webhook: 30_000, enqueue: 3_600_000, noop: 60_000 } as const;
export type TaskTimeouts = Readonly<Record<keyof typeof TASK_TIMEOUT_DEFAULTS, number>>;

function parseTaskTimeouts(raw: string): TaskTimeouts {
  const out: Record<string, number> = { ...TASK_TIMEOUT_DEFAULTS };
  for (const part of items(raw, ',')) {
    const [kind, value] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!kind || !(kind in TASK_TIMEOUT_DEFAULTS)) throw new Error(`"${part}": the kind must be one of ${Object.keys(TASK_TIMEOUT_DEFAULTS).join(', ')}`);
    if (!Number.isInteger(n) || n < 100) throw new Error(`"${part}" is not kind=<milliseconds ≥ 100>`);
    out[kind] = n;
  }
  return Object.freeze(out) as TaskTimeouts;
}

const WINDOW_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Performance windows: "1h,24h,7d" → [{label, ms}], at most 6, each 1 minute … 90 days. */
function parseWindows(raw: string): ReadonlyArray<{ label: string; ms: number }> {
  const out = items(raw, ',').map((w) => {
    const m = /^(\d{1,4})([mhd])$/.exec(w);
    if (!m) throw new Error(`"${w}" is not <n>m, <n>h or <n>d`);
    const ms = Number(m[1]) * WINDOW_UNIT_MS[m[2] as keyof typeof WINDOW_UNIT_MS];
    if (ms < 60_000 || ms > 90 * 86_400_000) throw new Error(`"${w}" must be between 1m and 90d`);
    return { label: w, ms };
  });
  if (!out.length || out.length > 6) throw new Error('names 1 to 6 windows');
  return Object.freeze(out);
}

export type ConfidenceCutoffs = readonly [low: number, high: number];

function parseCutoffs(raw: string): ConfidenceCutoffs {
  const [low, high] = raw.split(',').map(Number) as [number, number];
  if (!(low < high)) throw new Error('the first cut-off must be below the second');
  return Object.freeze([low, high] as const);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, [schema, def]] of Object.entries(settings)) {
    const given = env[name];
    const value = given === undefined || given === '' ? def : given;
    const res = (schema as z.ZodType).safeParse(value);
    if (res.success) raw[name] = res.data;
    else {
      const shown = isSecretSetting(name) ? ` (${String(given).length} characters, not shown)` : `=${JSON.stringify(given)}`;
      const fallback = def === undefined ? 'none' : def === '' ? 'empty' : def;
      problems.push(`${name}${shown}: ${res.error.issues.map((i) => i.message).join('; ')} (default: ${fallback})`);
    }
  }
  if ((raw.REDIS_CLUSTER_NODES as ClusterNodes | undefined)?.length && typeof raw.QUEUE_PREFIX === 'string' && hashTag(raw.QUEUE_PREFIX) === null) {
    // BullMQ's scripts and the engine's own (slots, rate limits, leases, MULTI) touch several keys at once:
    // on a Cluster they must all hash to one slot, which only a hash tag in the prefix guarantees.
    problems.push(`QUEUE_PREFIX=${JSON.stringify(raw.QUEUE_PREFIX)}: with REDIS_CLUSTER_NODES the prefix must be a Redis Cluster hash tag such as {${raw.QUEUE_PREFIX}}, so every key of the engine hashes to one slot (multi-key scripts and transactions fail across slots)`);
  }
  if (raw.NODE_ENV === 'production' && !raw.API_KEY) {
    problems.push('API_KEY: required when NODE_ENV=production (no default)');
  }
  if (problems.length) throw new ConfigError(redactCredentials(`invalid configuration:\n  ${problems.join('\n  ')}`));
  const generated = !raw.API_KEY;
  return Object.freeze({
    ...(raw as unknown as Config),
    API_KEY: (raw.API_KEY as string | undefined) ?? randomBytes(24).toString('base64url'),
    API_KEY_GENERATED: generated,
  });
}

/** loadConfig for an entry point: a bad value stops the process with exit code 2 and the message on stderr. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
