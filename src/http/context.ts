import type { RedisClient } from '../redis.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Executor } from '../db/executor.js';
import type { Metrics } from '../metrics.js';
import type { Flows } from '../queue/flows.js';
import type { Producer } from '../queue/producer.js';
import type { Status } from '../status.js';

export interface HttpContext {
  config: Readonly<Config>;
  producer: Producer;
  flows: Flows;
  /** Fail-fast connection: commands error at once while Redis is down. */
  redis: RedisClient;
  db: Db;
  /** Plain SQL (the `sql` template) on the main pool. */
  sql: Executor;
  metrics: Metrics;
  status: Status;
  /** Runs the readiness checks; each answers within the timeout. */
  ready(): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; error?: string }> }>;
}
