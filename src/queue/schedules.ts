// Schedules are declared in the queue files and registered as BullMQ Job Schedulers. BullMQ derives
// each tick's job id from the scheduler id and the tick time, so replicas cannot double a tick; on top,
// one replica at a time reconciles (a Redis lock), because concurrent upserts of the same scheduler
// have raced in BullMQ's history.
import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis.js';
import { CronExpressionParser } from 'cron-parser';
import type { ScheduleOverride } from '../config.js';
import type { Logger } from '../logger.js';
import type { QueueDefinition, ScheduleSpec } from './define.js';

export interface EffectiveSchedule {
  queue: string;
  pattern?: string;
  tz?: string;
  everyMs?: number;
  missed: 'skip' | 'run-once';
  payload: unknown;
}

/** The schedule a queue runs under after configuration overrides, or undefined when it has none / is off. */
export function effectiveSchedule(def: QueueDefinition, overrides: Readonly<Record<string, ScheduleOverride>>): EffectiveSchedule | undefined {
  const spec = def.schedule as ScheduleSpec<unknown> | undefined;
  if (!spec) return undefined;
  const o = overrides[def.name];
  if (o && 'off' in o) return undefined;
  const base = { queue: def.name, missed: spec.missed, payload: spec.payload };
  if (o && 'pattern' in o) return { ...base, pattern: o.pattern, tz: spec.tz ?? 'UTC' };
  if (o && 'everyMs' in o) return { ...base, everyMs: o.everyMs };
  return spec.pattern ? { ...base, pattern: spec.pattern, tz: spec.tz ?? 'UTC' } : { ...base, everyMs: spec.everyMs! };
}

/**
 * The interval between two ticks (for cron: between the next two) of the schedule the queue runs under
 * after `SCHEDULES` overrides, used by the missed-tick policy; undefined when it has none or it is off.
 */
export function schedulePeriodMs(def: QueueDefinition, overrides: Readonly<Record<string, ScheduleOverride>>): number | undefined {
  const spec = effectiveSchedule(def, overrides);
  if (!spec) return undefined;
  if (spec.everyMs) return spec.everyMs;
  const it = CronExpressionParser.parse(spec.pattern!, { tz: spec.tz });
  const a = it.next().getTime();
  return it.next().getTime() - a;
}

export async function reconcileSchedules(o: {
  defs: readonly QueueDefinition[];
  overrides: Readonly<Record<string, ScheduleOverride>>;
  queue: (name: string) => Queue;
  redis: RedisClient;
  prefix: string;
  log: Logger;
}): Promise<{ reconciled: boolean }> {
  const lockKey = `${o.prefix}:engine:schedules-lock`;
  const token = `${process.pid}-${Date.now()}-${Math.random()}`;
  const got = await o.redis.set(lockKey, token, 'PX', 30_000, 'NX');
  if (!got) {
    o.log.info('another replica is registering the schedules');
    return { reconciled: false };
  }
  try {
    for (const def of o.defs) {
      const s = effectiveSchedule(def, o.overrides);
      const q = o.queue(def.name);
      if (!s) {
        if (def.schedule && (await q.removeJobScheduler(def.name))) o.log.info({ queue: def.name }, 'schedule disabled by configuration');
        continue;
      }
      const repeat = s.everyMs ? { every: s.everyMs } : { pattern: s.pattern!, tz: s.tz };
      await q.upsertJobScheduler(def.name, repeat, { name: def.name, data: s.payload });
      o.log.info({ queue: def.name, ...repeat, missed: s.missed }, 'schedule registered');
    }
    return { reconciled: true };
  } finally {
    // Release only our own lock.
    await o.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, lockKey, token);
  }
}

export const lastRunKey = (prefix: string) => `${prefix}:engine:schedule-last-run`;
