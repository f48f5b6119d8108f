// Batch predictions end to end: 10,000 matches in PostgreSQL, POST /predictions/batch, the real flow
// (plan → chunks → summary) on the real queues, the fake ML service over HTTP with 50 ms per call, the
// predictions stored in PostgreSQL. Baseline in the same round: the same chunks through a bare BullMQ
// flow (predict-bare.ts); the ratio is taken per round, its median judged (support.ts). The fraction of the
// ideal (concurrency × chunk / latency), the old target, is printed beside it.
// The fake service runs as a process of its own, as the real one does: its CPU is not the engine's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { startEngine, type Engine } from '../../src/engine.js';
import { createLogger } from '../../src/logger.js';
import { createMlDeps } from '../../pipelines/_ml/deps.js';
import { mlQueues } from '../ml/support.js';
import { registerMlRoutes } from '../../src/app/routes/predictions.js';
import { keyPrefix, ownDatabase } from './leftovers.js';
import { startBareFlow } from './predict-bare.js';
import { API_KEY, arg, devNull, fmt, median, REDIS_URL, roundsArg, verdict } from './support.js';

const PROVIDER = 'bench-ml';
const DAY_MS = 86_400_000;

// The old target (end to end ≥ 0.70 of the ideal) was set where the engine did 0.82 of the ideal: it
// asked for 0.70/0.82 ≈ 0.85 of what the engine then did. Against the bare flow the engine did 0.91–1.10,
// ≈ 1.0 typically, on this machine (medians of 3 rounds in twelve runs, 2 shared cores, 1-minute load
// 2–10, 2026-11-30: both sides mostly wait on the same 50 ms calls), so the same demand is 0.85 × ≈ 1.0.
const RATIO_TARGET = 0.85;
const OLD_TARGET_OF_IDEAL = 0.7;

/** The benchmark's league in the run's own database: a competition, 20 clubs and `n` scheduled matches. */
async function seed(db: Engine['db'], n: number) {
  const competition = await db.competition.create({ data: { provider: PROVIDER, providerId: 'BENCH-ML', slug: 'bench-ml', name: 'Benchmark league' } });
  await db.team.createMany({ data: Array.from({ length: 20 }, (_, i) => ({ provider: PROVIDER, providerId: `t${i}`, name: `Bench club ${i}` })) });
  const teams = (await db.team.findMany({ where: { provider: PROVIDER }, select: { id: true } })).map((t) => t.id);
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, k) => ({
    provider: PROVIDER, providerId: `m${k}`, competitionId: competition.id, homeTeamId: teams[k % 20]!, awayTeamId: teams[(k + 1 + (k % 19)) % 20]!,
    kickoff: new Date(now + DAY_MS + Math.floor((k * 9 * DAY_MS) / n)),
  }));
  for (let i = 0; i < rows.length; i += 5_000) await db.match.createMany({ data: rows.slice(i, i + 5_000) });
  return { from: new Date(now).toISOString(), to: new Date(now + 11 * DAY_MS).toISOString() };
}

async function runBatch(engine: Engine, url: string, body: unknown) {
  const res = await fetch(`${url}/predictions/batch`, { method: 'POST', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`POST /predictions/batch answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const queue = engine.producer.queue('ml-predict-batch');
  for (;;) {
    const state = await queue.getJobState(id);
    if (state === 'completed' || state === 'failed') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const job = (await queue.getJob(id))!;
  if (job.failedReason) throw new Error(`batch failed: ${job.failedReason}`);
  return { id, result: job.returnvalue as { totals: { predicted: number; failed: number; skipped: number } } };
}

async function startFakeService(latencyMs: number): Promise<{ url: string; child: ChildProcess; stats(): Promise<{ maxInFlight: number; batchCalls: number }>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/ml/fake-ml-server.ts', String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    child,
    stats: async () => (await (await fetch(`${url}/_fake/stats`)).json()) as { maxInFlight: number; batchCalls: number },
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** An extra engine process consuming only the chunk queue (a ROLE=worker replica). */
async function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/ml/ml-replica.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) if (line.includes('matchday engine started')) break;
  return async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  };
}

/** One engine batch: POST → plan → chunks → summary, checked to have stored every prediction. */
async function engineRound(engine: Engine, url: string, fake: Awaited<ReturnType<typeof startFakeService>>, body: object, n: number, ideal: number) {
  const before = await fake.stats();
  const started = performance.now();
  const { id, result } = await runBatch(engine, url, body);
  const seconds = (performance.now() - started) / 1000;
  const stored = await engine.db.prediction.count({ where: { runKey: { startsWith: `${id}-c` } } });
  if (result.totals.predicted !== n || stored !== n) throw new Error(`expected ${n} predictions, the batch reports ${result.totals.predicted} and PostgreSQL holds ${stored}`);
  const after = await fake.stats();
  // The steady state, for comparison: from the first chunk's start to the last chunk's end.
  const chunks = (await engine.producer.queue('ml-predict-chunk').getJobs(['completed'], 0, 2_000)).filter((j) => j.data.batchId === id);
  const phase = (Math.max(...chunks.map((j) => j.finishedOn!)) - Math.min(...chunks.map((j) => j.processedOn!))) / 1000;
  return { seconds, text: `engine ${fmt(seconds, 3)} s = ${fmt(n / seconds)} matches/s (${fmt(n / seconds / ideal, 3)} of the ideal; chunks alone ${fmt(n / phase / ideal, 3)}; ${after.batchCalls - before.batchCalls} service calls, at most ${after.maxInFlight} in flight)` };
}

export async function run(args: string[]) {
  const n = arg(args, 'matches', 10_000);
  const chunk = arg(args, 'chunk', 100);
  const concurrency = arg(args, 'concurrency', 8);
  const latencyMs = arg(args, 'latency', 50);
  const workers = arg(args, 'workers', 1);
  const rounds = roundsArg(args);
  // Whatever started is stopped, in reverse order, also when a later step fails.
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const databaseUrl = await ownDatabase('predict');
    const fake = await startFakeService(latencyMs);
    closers.push(fake.stop);
    const env = {
      REDIS_URL, DATABASE_URL: databaseUrl, API_KEY, PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: keyPrefix('predict'), LOG_LEVEL: 'warn', SCHEDULES_ENABLED: 'false',
      ML_SERVICE_URL: fake.url, PREDICT_CHUNK_SIZE: String(chunk), PREDICT_CONCURRENCY: String(concurrency), CONCURRENCY: `ml-predict-chunk=${2 * concurrency}`,
    };
    const config = loadConfig(env);
    const engine = await startEngine({ config, queues: mlQueues, log: createLogger(config.LOG_LEVEL, [API_KEY], devNull()), extendDeps: (base) => ({ ...createMlDeps(base) }), extraRoutes: [registerMlRoutes] });
    closers.push(() => engine.stop());
    const address = engine.http!.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (let i = 1; i < workers; i++) closers.push(await startWorker({ ...env, ROLE: 'worker', WORKER_QUEUES: 'ml-predict-chunk', LOG_LEVEL: 'info' }));
    const window = await seed(engine.db, n);
    const ideal = (concurrency * chunk) / (latencyMs / 1000);
    console.log(`batch predictions: ${fmt(n)} matches, chunk ${chunk}, concurrency ${concurrency}, fake service ${latencyMs} ms per call, ${workers} engine process(es), ${rounds} rounds`);
    // Warm-up (connections, JIT, prepared statements): one small batch each, not measured.
    const warm = { from: window.from, to: new Date(Date.parse(window.from) + 2 * DAY_MS).toISOString() };
    await runBatch(engine, url, { league: 'bench-ml', ...warm });
    // The model version the engine registered for the service's answers: the bare flow stores under it too.
    const { modelVersionId } = await engine.db.prediction.findFirstOrThrow({ select: { modelVersionId: true } });
    const bare = await startBareFlow({ prefix: keyPrefix('predict-bare'), databaseUrl, mlUrl: fake.url, chunk, concurrency, modelVersionId });
    closers.push(() => bare.close());
    await bare.run('bench-ml', warm.from, warm.to, 'bare-warm-up');
    const [bares, engines]: [number[], number[]] = [[], []];
    for (let r = 1; r <= rounds; r++) {
      const b = await bare.run('bench-ml', window.from, window.to, `bare-${r}`);
      if (b.stored !== n) throw new Error(`bare flow: expected ${n} predictions, PostgreSQL holds ${b.stored}`);
      const e = await engineRound(engine, url, fake, { league: 'bench-ml', ...window }, n, ideal);
      bares.push(b.seconds);
      engines.push(e.seconds);
      console.log(`  round ${r}: bare flow ${fmt(b.seconds, 3)} s = ${fmt(n / b.seconds)} matches/s (${fmt(n / b.seconds / ideal, 3)} of the ideal); ${e.text}; ratio ${fmt(b.seconds / e.seconds, 3)}`);
    }
    const ratio = median(bares.map((b, i) => b / engines[i]!)); // throughputs: (n / engine) / (n / bare)
    const [bareMid, engineMid] = [median(bares), median(engines)];
    console.log(`bare BullMQ flow (baseline): median ${fmt(n / bareMid)} matches/s; engine end to end (POST → plan → ${Math.ceil(n / chunk)} chunks → summary): median ${fmt(n / engineMid)} matches/s = ${fmt(n / engineMid / ideal, 3)} of the ideal ${fmt(ideal)} matches/s (the old target, ≥ ${fmt(OLD_TARGET_OF_IDEAL, 2)}, shown for reference only)`);
    console.log(`ratio engine/bare flow throughput: median of ${rounds} rounds ${fmt(ratio, 3)} (target ≥ ${fmt(RATIO_TARGET, 2)}) ${verdict(ratio >= RATIO_TARGET)}`);
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
