// The set-up every prediction test file shares: its own database, the fake ML service, a real engine
// with the prediction deps and routes, an optional seeded league; all torn down after the file (or the
// describe block it is called in). Accessors throw when read before the set-up ran.
import { afterAll, beforeAll } from 'vitest';
import type { MlDepsOptions } from '../../pipelines/_ml/deps.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import { cloneTestDatabase, uniquePrefix, type TestDatabase } from '../support/db.js';
import type { FakeMlService } from './fake-ml-service.js';
import { seedLeague, type SeededLeague } from './seed.js';
import { startMlEngine, type MlTestEngine } from './support.js';

export interface MlEngineFixtureOptions {
  /** Started before the engine and stopped after it; ML_SERVICE_URL points at it unless `env` says otherwise. */
  fake?: FakeMlService;
  /** Extra settings; a function is called once the fake service listens (its URL is known then). */
  env?: Record<string, string> | (() => Record<string, string>);
  ml?: MlDepsOptions;
  queues?: QueueDefinition[];
  /** The queue prefix (default: a fresh one). */
  prefix?: string;
  /** Seeds one league once the engine runs (see seed.ts). */
  seed?: Parameters<typeof seedLeague>[1];
}

export interface MlEngineFixture {
  readonly engine: MlTestEngine;
  readonly db: TestDatabase;
  readonly prefix: string;
  /** The league seeded from `seed`. */
  readonly league: SeededLeague;
  /** Stops the engine and starts a new one on the same database and prefix (a process restart); returns what the stop reported. */
  restart(): Promise<{ aborted: boolean }>;
}

export function useMlEngine(o: MlEngineFixtureOptions = {}): MlEngineFixture {
  const prefix = o.prefix ?? uniquePrefix();
  let engine: MlTestEngine | undefined;
  let db: TestDatabase | undefined;
  let league: SeededLeague | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useMlEngine: ${what} is not set up (read it inside a test or hook)`);
    return value;
  };
  const start = () => {
    const env = typeof o.env === 'function' ? o.env() : o.env;
    return startMlEngine({
      databaseUrl: ready(db, 'the database').url, prefix, ml: o.ml, queues: o.queues,
      env: { ...(o.fake ? { ML_SERVICE_URL: o.fake.url } : {}), ...env },
    });
  };

  beforeAll(async () => {
    db = await cloneTestDatabase();
    await o.fake?.start();
    engine = await start();
    if (o.seed) league = await seedLeague(engine.db, o.seed);
  });
  afterAll(async () => {
    await engine?.stop();
    await o.fake?.stop();
    await db?.drop();
  });

  return {
    get engine() {
      return ready(engine, 'the engine');
    },
    get db() {
      return ready(db, 'the database');
    },
    prefix,
    get league() {
      return ready(league, 'the league (pass `seed`)');
    },
    async restart() {
      const stopped = await ready(engine, 'the engine').stop();
      engine = undefined;
      engine = await start();
      return stopped;
    },
  };
}
