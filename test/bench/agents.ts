// Agent tasks: 10,000 no-op tasks across 100 agents (concurrency limit 2 each) through the agent-task
// queue (task rows, events, leases, pub/sub updates), versus the engine's bare no-op jobs (the same
// engine wrapper, nothing else) at the same worker concurrency, alternating rounds in one run. Each run
// has a database of its own and removes its Redis keys at the end (leftovers.ts).
//
// Each round also measures the floor (agents-floor.ts, --floor 0 leaves it out): the same tasks through
// the least work per task the issue asks for, in three shapes. It is not judged; it shows how high the
// ratio can go on the machine the bench runs on, whatever the agents module does.
import { Writable } from 'node:stream';
import { createAgentsDeps } from '../../pipelines/_agents/deps.js';
import { BULL_PRIORITY } from '../../pipelines/_agents/schemas.js';
import { taskJobId } from '../../pipelines/_agents/store.js';
import { agentTask } from '../../queues/agent-task.js';
import { loadConfig } from '../../src/config.js';
import type { PoolExecutor } from '../../src/db/executor.js';
import { sql } from '../../src/db/sql.js';
import { startEngine, type Engine } from '../../src/engine.js';
import type { QueueDefinition } from '../../src/queue/define.js';
import type { BulkItem } from '../../src/queue/producer.js';
import { createLogger } from '../../src/logger.js';
import { floorJob, floorQueue, type FloorShape } from './agents-floor.js';
import { keyPrefix, ownDatabase } from './leftovers.js';
import { API_KEY, arg, benchEngine, cpuLine, cpuPerJob, cpuSample, fmt, measure, median, noop, REDIS_URL, roundsArg, UsageError, verdict } from './support.js';

/** Enqueues `jobs` on `queue` while it is paused: every job waits when the clock starts. */
async function queuePaused<D extends QueueDefinition>(e: Engine, queue: D, jobs: ReadonlyArray<BulkItem<D>>) {
  await e.producer.queue(queue.name).pause();
  for (let i = 0; i < jobs.length; i += 1_000) await e.deps.enqueueBulk(queue, jobs.slice(i, i + 1_000));
}

/** Resumes `queue` and times its `n` jobs to the last: jobs/s and CPU per job; then empties it and stops the engine. */
async function drain(e: Engine, queue: QueueDefinition, n: number, afterDrain: () => Promise<void> = async () => {}) {
  const q = e.producer.queue(queue.name);
  const rate = measure(e.workers!.workers.get(queue.name)!, n);
  const before = await cpuSample(e.deps.redis);
  await q.resume();
  const r = await rate;
  const cpu = cpuPerJob(before, await cpuSample(e.deps.redis), n);
  await afterDrain();
  await q.obliterate({ force: true });
  await e.stop();
  return { rate: r, cpu };
}

async function bare(databaseUrl: string, n: number, concurrency: number) {
  const e = await benchEngine(keyPrefix('agents-bare'), databaseUrl, { ROLE: 'worker', CONCURRENCY: `bench-noop=${concurrency}` });
  await queuePaused(e, noop, Array.from({ length: n }, (_, i) => ({ payload: { n: i } })));
  return drain(e, noop, n);
}

/** `n` queued no-op tasks spread over `agentCount` agents in a shuffled order (the tables emptied first). */
async function seed(db: PoolExecutor, n: number, agentCount: number, limit: number) {
  await db.execute(sql`TRUNCATE agent_events, insights, workflow_step_runs, workflow_runs, workflows, agent_tasks, agents RESTART IDENTITY CASCADE`);
  await db.execute(sql`INSERT INTO agents (name, type, concurrency_limit, updated_at) SELECT 'bench ' || i, 'bench', ${limit}, now() FROM generate_series(1, ${agentCount}) AS i`);
  const agentIds = Array.from({ length: n }, (_, i) => (i % agentCount) + 1).sort(() => Math.random() - 0.5);
  return db.query<{ id: number; agentId: number }>(sql`
    INSERT INTO agent_tasks (agent_id, kind, priority, status, queued_at)
    SELECT a, 'noop', 'MEDIUM', 'QUEUED', now() FROM unnest(${agentIds}::int[]) WITH ORDINALITY AS x(a, o) ORDER BY o
    RETURNING id, agent_id AS "agentId"`);
}

const FLOOR_SHAPES = ['apart', 'one', 'none'] as const;
const FLOOR_LABELS: Record<FloorShape, string> = {
  apart: 'start before the work, end after',
  one: 'start and end in one statement',
  none: 'no database (job, lease and updates only)',
};

/** The floor (agents-floor.ts) in the shape given: its jobs/s and CPU per job. */
async function floor(databaseUrl: string, shape: FloorShape, n: number, agentCount: number, limit: number, concurrency: number) {
  const queue = floorQueue(shape);
  const e = await benchEngine(keyPrefix(`agents-floor-${shape}`), databaseUrl, { ROLE: 'worker', CONCURRENCY: `${queue.name}=${concurrency}`, LOG_LEVEL: 'warn' }, [queue]);
  const tasks = await seed(e.deps.sql, n, agentCount, limit);
  await queuePaused(e, queue, tasks.map((t) => floorJob(t, limit)));
  let completed = 0;
  const r = await drain(e, queue, n, async () => {
    ({ completed } = await e.deps.sql.one<{ completed: number }>(sql`SELECT count(*)::int AS completed FROM agent_tasks WHERE status = 'COMPLETED'`));
  });
  if (shape !== 'none' && completed !== n) throw new Error(`floor ${shape}: ${completed} of ${n} tasks completed`);
  return r;
}

async function agentsEngine(databaseUrl: string, concurrency: number): Promise<Engine> {
  const config = loadConfig({
    REDIS_URL, DATABASE_URL: databaseUrl, API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: keyPrefix('agents'), LOG_LEVEL: 'warn', SCHEDULES_ENABLED: 'false',
    ROLE: 'worker', CONCURRENCY: `agent-task=${concurrency}`,
  });
  const devNull = new Writable({ write(_c, _e, cb) { cb(); } });
  const queues = [agentTask];
  return startEngine({ config, queues, log: createLogger(config.LOG_LEVEL, [API_KEY], devNull), extendDeps: (base) => ({ ...createAgentsDeps(base, { queues }) }) });
}

async function agents(databaseUrl: string, n: number, agentCount: number, limit: number, concurrency: number) {
  const e = await agentsEngine(databaseUrl, concurrency);
  const db = e.deps.sql;
  const tasks = await seed(db, n, agentCount, limit);
  await queuePaused(e, agentTask, tasks.map((t) => ({ payload: { taskId: t.id, agentId: t.agentId, generation: 0, priority: 'MEDIUM' as const }, jobId: taskJobId(t.id, 0), priority: BULL_PRIORITY.MEDIUM })));
  // Queue waits are measured from the moment the queue resumes.
  await db.execute(sql`UPDATE agent_tasks SET created_at = ${new Date().toISOString().slice(0, -1)}::timestamp`);
  let after = { completed: 0, p99: 0, most: 0, deferred: 0 };
  const r = await drain(e, agentTask, n, async () => {
    const stats = await db.one<{ completed: number; p99: number }>(sql`
      SELECT count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000) AS p99
      FROM agent_tasks`);
    // The limit held: no agent ever had more than `limit` tasks whose run intervals overlap.
    const overlap = await db.one<{ most: number }>(sql`
      SELECT coalesce(max(depth), 0)::int AS most FROM (
        SELECT sum(d) OVER (PARTITION BY agent_id ORDER BY at, d) AS depth FROM (
          SELECT agent_id, started_at AS at, 1 AS d FROM agent_tasks UNION ALL SELECT agent_id, finished_at, -1 FROM agent_tasks
        ) edges
      ) x`);
    const deferred = (await e.metrics.jobsDeferred.get()).values.reduce((sum, v) => sum + v.value, 0);
    after = { completed: stats.completed, p99: stats.p99, most: overlap.most, deferred };
  });
  return { ...r, ...after };
}

export async function run(args: string[]) {
  const n = arg(args, 'tasks', 10_000);
  const agentCount = arg(args, 'agents', 100);
  const limit = arg(args, 'limit', 2);
  const concurrency = arg(args, 'concurrency', 50);
  const rounds = roundsArg(args, 2);
  const floorFlag = arg(args, 'floor', 1, 0);
  if (floorFlag > 1) throw new UsageError(`--floor: expected 0 (leave the floor out) or 1, got ${floorFlag}`);
  const withFloor = floorFlag === 1;
  const databaseUrl = await ownDatabase('agents');
  console.log(`agent tasks: ${fmt(n)} no-op tasks across ${agentCount} agents (limit ${limit} each), worker concurrency ${concurrency}, ${rounds} alternating rounds`);
  const bares: Array<Awaited<ReturnType<typeof bare>>> = [];
  const runs: Array<Awaited<ReturnType<typeof agents>>> = [];
  const ratios: number[] = [];
  const floors: Record<FloorShape, Array<{ ratio: number; cpuRatio: number }>> = { apart: [], one: [], none: [] };
  for (let i = 0; i < rounds; i++) {
    bares.push(await bare(databaseUrl, n, concurrency));
    runs.push(await agents(databaseUrl, n, agentCount, limit, concurrency));
    const a = runs.at(-1)!;
    const b = bares.at(-1)!;
    ratios.push(a.rate / b.rate);
    console.log(`  round ${i + 1}: engine no-op ${fmt(b.rate)} jobs/s; agent tasks ${fmt(a.rate)} tasks/s, p99 queue wait ${fmt(a.p99)} ms, ${fmt(a.completed)} completed, most in flight per agent ${a.most}, ${fmt(a.deferred)} runs deferred (agent at its limit): ratio ${fmt(ratios.at(-1)!, 3)}`);
    console.log(`    engine no-op: ${cpuLine(b.cpu)}`);
    console.log(`    agent tasks:  ${cpuLine(a.cpu)}`);
    if (!withFloor) continue;
    for (const shape of FLOOR_SHAPES) {
      const f = await floor(databaseUrl, shape, n, agentCount, limit, concurrency);
      floors[shape].push({ ratio: f.rate / b.rate, cpuRatio: b.cpu.total / f.cpu.total });
      console.log(`    floor (${FLOOR_LABELS[shape]}): ${fmt(f.rate)} tasks/s, ratio ${fmt(f.rate / b.rate, 3)}; ${cpuLine(f.cpu)}`);
    }
  }
  const ratio = median(ratios);
  const cpuRatio = median(runs.map((a, i) => bares[i]!.cpu.total / a.cpu.total));
  console.log(`engine no-op jobs (baseline): median ${fmt(median(bares.map((b) => b.rate)))} jobs/s`);
  console.log(`agent tasks:                  median ${fmt(median(runs.map((r) => r.rate)))} tasks/s, p99 queue wait median ${fmt(median(runs.map((r) => r.p99)))} ms (${fmt(n)} tasks queued at once)`);
  console.log(`per-agent limit held: ${runs.every((r) => r.most <= limit && r.completed === n) ? 'yes' : 'NO'} (most in flight for one agent: ${Math.max(...runs.map((r) => r.most))})`);
  // Engine, Redis and PostgreSQL share this machine's cores: when both sides are CPU-bound, the ratio of
  // their CPU per job is the most the throughput ratio can be here.
  console.log(`CPU per job, no-op job / agent task (engine + Redis + PostgreSQL): median ${fmt(cpuRatio, 3)} (where the cores are the limit, about as high as the ratio can go)`);
  if (withFloor) {
    // The floor (agents-floor.ts): the least work per task, with nothing of the agents module. Not judged:
    // it says how much of the gap to the target is this machine and how much is the module.
    for (const shape of FLOOR_SHAPES) {
      const f = floors[shape];
      console.log(`floor, ${FLOOR_LABELS[shape].padEnd(44)}: ratio median ${fmt(median(f.map((x) => x.ratio)), 3)}, CPU per job no-op/floor ${fmt(median(f.map((x) => x.cpuRatio)), 3)}`);
    }
  }
  console.log(`ratio agent tasks/engine no-op: median of ${rounds} rounds ${fmt(ratio, 3)} (target ≥ 0.5) ${verdict(ratio >= 0.5)}`);
}
