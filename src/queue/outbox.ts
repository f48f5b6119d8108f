// Bookkeeping PostgreSQL could not take when a job finished (dead letters, pipeline runs while it is down
// or hangs) waits here, in a Redis list under the queue prefix, and a drainer in every worker process
// writes it once PostgreSQL answers again. The rows are keyed so that writing an entry twice is a no-op:
// a drainer that dies between its write and the trim, or a timed-out write that committed after all,
// costs nothing. The list is as durable as Redis itself (run it with AOF).
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export type OutboxKind = 'dead-letter' | 'pipeline-run';
export interface OutboxEntry<R = unknown> {
  kind: OutboxKind;
  row: R;
}

export interface OutboxOptions {
  /** Writes entries to PostgreSQL, idempotently; throws when it could not. */
  write(entries: OutboxEntry[]): Promise<void>;
  /** How often an idle drainer looks at the backlog. */
  pollMs?: number;
  /** Longest wait between two tries while PostgreSQL does not answer. */
  maxBackoffMs?: number;
}

const BATCH = 200;
const LOCK_MS = 60_000;
// Trim only while holding the lock: producers push at the tail and only the lock holder removes from the
// head, so the first `n` entries are exactly the ones it read and wrote.
const TRIM_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('ltrim', KEYS[2], tonumber(ARGV[2]), -1) return 1 end return 0`;
const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export const outboxKey = (prefix: string) => `${prefix}:engine:bookkeeping`;

/**
 * A PostgreSQL error that writing the same row again cannot fix (SQLSTATE class 22 data exception, 23
 * integrity violation). Everything else (refused or dropped connections, timeouts, shutdown, a missing
 * column during a rolling deploy) is worth retrying.
 */
export function isPermanentDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code);
}

export class Outbox {
  readonly key: string;
  private readonly lockKey: string;
  private readonly rejectedKey: string;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private failures = 0;
  /** Told when the backlog is found empty or written: PostgreSQL takes writes again. */
  onHealthy?: () => void;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly o: OutboxOptions,
  ) {
    this.key = outboxKey(prefix);
    this.lockKey = `${this.key}:drain-lock`;
    this.rejectedKey = `${this.key}:rejected`;
  }

  /** Keeps entries for later. Never throws: a failure here is logged with the entries themselves. */
  async push(entries: OutboxEntry[], cause: unknown): Promise<void> {
    if (!entries.length) return;
    const reason = cause instanceof Error ? cause.message : String(cause ?? 'PostgreSQL marked unavailable');
    try {
      const backlog = await this.redis.rpush(this.key, ...entries.map((e) => JSON.stringify(e)));
      for (const e of entries) {
        this.metrics.bookkeepingBuffered.inc({ kind: e.kind });
        const { queue, jobId } = e.row as { queue?: string; jobId?: string };
        this.log.warn({ kind: e.kind, queue, jobId, reason, backlog }, 'PostgreSQL did not take a job record: kept in Redis until it does');
      }
    } catch (err) {
      // Redis refused too: the log line is the last copy of the record.
      this.log.error({ err, entries, reason }, 'could not keep job records for later: they are only in this log');
    }
  }

  backlog(): Promise<number> {
    return this.redis.llen(this.key);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.o.pollMs ?? 1_000);
  }

  /** Stops the drainer without waiting for Redis or PostgreSQL: whatever is left stays in Redis. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick() {
    const poll = this.o.pollMs ?? 1_000;
    let next = poll;
    try {
      const written = await this.drain();
      if (written) this.log.info({ written, backlog: await this.backlog() }, 'wrote job records kept while PostgreSQL was unavailable');
      this.failures = 0;
    } catch (err) {
      this.failures += 1;
      // Exponential backoff with jitter, so the drainers of several processes do not knock together.
      const cap = this.o.maxBackoffMs ?? 2_000;
      next = Math.min(cap, poll * 2 ** Math.min(this.failures, 10)) * (0.8 + 0.4 * Math.random());
      if (this.failures === 1 || this.failures % 10 === 0) {
        this.log.warn({ err: (err as Error).message, failures: this.failures, retryInMs: Math.round(next) }, 'job records kept in Redis: PostgreSQL still does not take them');
      }
    } finally {
      this.schedule(next);
    }
  }

  /**
   * Writes the backlog, oldest first, in batches; returns how many entries it wrote. One process at a
   * time drains (a Redis lock that expires if it dies). Throws when PostgreSQL does not take a batch.
   */
  async drain(): Promise<number> {
    if ((await this.redis.llen(this.key)) === 0) {
      this.onHealthy?.();
      return 0;
    }
    const token = randomBytes(8).toString('hex');
    if (!(await this.redis.set(this.lockKey, token, 'PX', LOCK_MS, 'NX'))) return 0;
    let total = 0;
    try {
      for (;;) {
        const raw = await this.redis.lrange(this.key, 0, BATCH - 1);
        if (!raw.length) break;
        await this.writeBatch(raw);
        const trimmed = await this.redis.eval(TRIM_IF_OWNER, 2, this.lockKey, this.key, token, raw.length);
        if (!trimmed) return total; // the lock expired: its new holder writes these again, a no-op
        total += raw.length;
      }
      this.onHealthy?.();
      return total;
    } finally {
      await this.redis.eval(RELEASE_IF_OWNER, 1, this.lockKey, token).catch(() => {});
    }
  }

  private async writeBatch(raw: string[]) {
    const parsed = raw.map((r) => parseEntry(r));
    const good = parsed.filter((e): e is OutboxEntry => e !== undefined);
    try {
      await this.o.write(good);
      for (const e of good) this.metrics.bookkeepingReplayed.inc({ kind: e.kind });
      await this.reject(raw.filter((_, i) => parsed[i] === undefined), 'not a bookkeeping entry');
    } catch (err) {
      if (!isPermanentDbError(err)) throw err;
      // One entry PostgreSQL can never take must not hold up the others: write them one by one and set
      // the bad ones aside.
      for (let i = 0; i < raw.length; i++) {
        const e = parsed[i];
        try {
          if (!e) throw new Error('not a bookkeeping entry');
          await this.o.write([e]);
          this.metrics.bookkeepingReplayed.inc({ kind: e.kind });
        } catch (one) {
          if (e && !isPermanentDbError(one)) throw one;
          await this.reject([raw[i]!], (one as Error).message);
        }
      }
    }
  }

  private async reject(raw: string[], reason: string) {
    if (!raw.length) return;
    await this.redis.rpush(this.rejectedKey, ...raw);
    for (const r of raw) {
      this.metrics.bookkeepingRejected.inc({ kind: parseEntry(r)?.kind ?? 'unknown' });
      this.log.error({ entry: r.slice(0, 2_000), reason, rejectedKey: this.rejectedKey }, 'PostgreSQL refuses a kept job record for good: set aside');
    }
  }
}

function parseEntry(raw: string): OutboxEntry | undefined {
  try {
    const e = JSON.parse(raw) as OutboxEntry;
    return (e.kind === 'dead-letter' || e.kind === 'pipeline-run') && e.row && typeof e.row === 'object' ? e : undefined;
  } catch {
    return undefined;
  }
}
