// npm run bench -- stats [--samples 1000000 --predictions 1000000 --rounds 2 --data <football-data> --history <results-pddl> --skip-backfill]
// The three ratio targets of the statistics, each against a floor measured in the same run:
//  1. drift maths: KS + PSI + Wasserstein on 1M vs 1M samples in the worker thread the drift check uses,
//     ≤ 3 × sorting the same 2M numbers in a Float64Array; the worst event-loop delay of the calling
//     thread is printed (it must stay responsive);
//  2. a full accuracy recomputation over 1M stored predictions ≤ 3 × one plain aggregate scan of them;
//  3. the backfill of the five shared leagues ≤ 1.5 × `npm run eval` on the same data (both fresh
//     processes, eval with its default two parallel jobs); the E0 RPS from the database beside eval's.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ensureDatabase, dropDatabase, withDatabase } from '../../src/db/admin.js';
import { createPool } from '../../src/db/client.js';
import { executor } from '../../src/db/executor.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { sql } from '../../src/db/sql.js';
import { recomputeAccuracy } from '../../pipelines/_stats/accuracy/recompute.js';
import { scoreMatches } from '../../pipelines/_stats/accuracy/score.js';
import type { FeatureResult } from '../../pipelines/_stats/drift/methods.js';
import { runInThread } from '../../pipelines/_stats/threads.js';
import { arg, fmt, SERVER_URL } from './support.js';

const run$ = promisify(execFile);
const SHARED = '/work/shared/data/football';
const option = (args: string[], name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const best = (xs: number[]) => Math.min(...xs);
const verdict = (ratio: number, target: number) => `${fmt(ratio, 2)} (target ≤ ${target}) ${ratio <= target ? 'MET' : 'NOT MET'}`;

function normals(n: number, shift: number): Float64Array {
  // Box–Muller on a fixed LCG: the same samples every run.
  const out = new Float64Array(n);
  let s = 12345 + Math.round(shift * 1000);
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 1) / 4294967297; };
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u())), t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t) + shift;
    if (i + 1 < n) out[i + 1] = r * Math.sin(t) + shift;
  }
  return out;
}

async function driftMaths(n: number, rounds: number) {
  console.log(`1. drift maths: KS + PSI + Wasserstein, ${fmt(n)} vs ${fmt(n)} samples, in a worker thread`);
  const sorts: number[] = [], tests: number[] = [], delays: number[] = [];
  const thresholds = { minSample: 30, largeSample: 1000, alpha: 0.05, criticalP: 0.001, correction: 'bh', psiWarn: 0.1, psiCritical: 0.25, distanceWarn: 0.1, distanceCritical: 0.2 };
  let last: FeatureResult | undefined;
  for (let r = 0; r < rounds; r++) {
    const both = new Float64Array(2 * n);
    both.set(normals(n, 0));
    both.set(normals(n, 0.05), n);
    let t = performance.now();
    both.sort();
    sorts.push(performance.now() - t);
    const ref = normals(n, 0), cur = normals(n, 0.05);
    const h = monitorEventLoopDelay({ resolution: 10 });
    // A timer on this thread: the delay it sees is what a job lock renewal or an HTTP request would see.
    const tick = setInterval(() => {}, 5);
    h.enable();
    t = performance.now();
    [last] = await runInThread<FeatureResult[]>('drift/worker', { features: [{ name: 'x', kind: 'numerical', reference: ref, current: cur }], thresholds }, [ref.buffer as ArrayBuffer, cur.buffer as ArrayBuffer]);
    tests.push(performance.now() - t);
    h.disable();
    clearInterval(tick);
    delays.push(h.max / 1e6);
    console.log(`  round ${r + 1}: sort of ${fmt(2 * n)} numbers ${fmt(sorts.at(-1)!)} ms; KS + PSI + Wasserstein (thread, incl. start and transfer) ${fmt(tests.at(-1)!)} ms; worst event-loop delay ${fmt(delays.at(-1)!, 1)} ms`);
  }
  console.log(`  KS D ${last?.details.ksStatistic} (p ${last?.details.ksPValue}, ${last?.details.ksMethod}), W1/σ ${fmt(Number(last?.details.wassersteinNormed), 4)}, PSI ${fmt(Number(last?.psi), 4)}`);
  console.log(`  best: sort ${fmt(best(sorts))} ms, tests ${fmt(best(tests))} ms; ratio ${verdict(best(tests) / best(sorts), 3)}; worst event-loop delay ${fmt(Math.max(...delays), 1)} ms`);
}

async function accuracy(n: number, rounds: number, keep = false) {
  const url = withDatabase(SERVER_URL, 'matchday_bench_stats');
  console.log(`2. accuracy recomputation over ${fmt(n)} stored predictions (database ${url.replace(/\/\/[^@]*@/, '//')})`);
  await dropDatabase(url, 'matchday_bench_stats');
  await ensureDatabase(url);
  await applyMigrations(url);
  const pool = createPool(url, 4);
  const ex = executor(pool);
  try {
    const versions = 10, matches = Math.ceil(n / versions), leagues = 5;
    // 5 leagues, n/10 finished matches over two years, 10 versions each predicting every match a day before kick-off.
    await ex.execute(sql`INSERT INTO competitions (provider, provider_id, slug, name, updated_at) SELECT 'bench', 'L' || g, 'bench.' || g, 'League ' || g, now() FROM generate_series(1, ${leagues}::int) g`);
    await ex.execute(sql`INSERT INTO teams (provider, provider_id, name, updated_at) SELECT 'bench', 'T' || g, 'Team ' || g, now() FROM generate_series(1, 100) g`);
    await ex.execute(sql`INSERT INTO matches (provider, provider_id, competition_id, season, home_team_id, away_team_id, kickoff, status, home_score, away_score, updated_at)
      SELECT 'bench', 'M' || g, (SELECT min(id) FROM competitions) + g % ${leagues}::int, CASE WHEN g > ${matches}::int / 2 THEN '2026' ELSE '2025' END,
        (SELECT min(id) FROM teams) + g % 100, (SELECT min(id) FROM teams) + (g + 1) % 100,
        now() AT TIME ZONE 'UTC' - interval '1 minute' * ((${matches}::int - g)::float8 * 1051200 / ${matches}::int), 'FULL_TIME', g % 3, (g / 3) % 3, now()
      FROM generate_series(1, ${matches}::int) g`);
    await ex.execute(sql`INSERT INTO model_versions (name, version, source) SELECT 'bench', 'v' || g, 'BASELINE' FROM generate_series(1, ${versions}::int) g`);
    await ex.execute(sql`INSERT INTO predictions (match_id, model_version_id, run_key, p_home, p_draw, p_away, predicted_outcome, confidence, confidence_level, created_at)
      SELECT m.id, v.id, 'bench', x.h, x.d, 1 - x.h - x.d, 'HOME', greatest(x.h, x.d, 1 - x.h - x.d), 'low', m.kickoff - interval '1 day'
      FROM matches m CROSS JOIN model_versions v
      CROSS JOIN LATERAL (SELECT 0.25 + ((m.id * 7 + v.id * 13) % 40) / 100.0 AS h, 0.18 + ((m.id * 3 + v.id) % 12) / 100.0 AS d) x`);
    await pool.query('VACUUM ANALYZE');
    const count = Number((await ex.one<{ n: string }>(sql`SELECT count(*) AS n FROM predictions`)).n);
    console.log(`  seeded ${fmt(count)} predictions (${versions} versions × ${fmt(matches)} matches, ${leagues} leagues)`);
    // In production each match is scored once, when it finishes (a few rows); here all at once.
    let t0 = performance.now();
    const scored = await scoreMatches(ex);
    console.log(`  scoring every finished match once (what the full-time events do one match at a time): ${fmt(scored)} rows in ${fmt(performance.now() - t0)} ms`);
    await pool.query('VACUUM ANALYZE prediction_scores');
    t0 = performance.now();
    const scans: number[] = [], full: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      await ex.query(sql`SELECT model_version_id, count(*), avg(p_home), avg(p_draw), avg(p_away) FROM predictions GROUP BY model_version_id`);
      scans.push(performance.now() - t);
      t = performance.now();
      const res = await recomputeAccuracy(ex, { trigger: 'bench' });
      full.push(performance.now() - t);
      console.log(`  round ${r + 1}: plain aggregate scan of the predictions ${fmt(scans.at(-1)!)} ms; full recomputation ${fmt(full.at(-1)!)} ms (${res.rows} statistics rows)`);
    }
    console.log(`  best: scan ${fmt(best(scans))} ms, recomputation ${fmt(best(full))} ms; ratio ${verdict(best(full) / best(scans), 3)}`);
  } finally {
    await pool.end();
    if (!keep) await dropDatabase(url, 'matchday_bench_stats');
  }
}

async function backfillVsEval(data: string, history: string, rounds: number) {
  const url = withDatabase(SERVER_URL, 'matchday_bench_backfill');
  console.log(`3. backfill of every league in ${data} (history ${history}) vs npm run eval on the same data, fresh processes and database`);
  const evals: number[] = [], fills: number[] = [];
  let evalE0 = '', dbE0 = '';
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const ev = await run$('npx', ['tsx', 'pipelines/_baseline-model/eval-cli.ts', 'baseline', '--data', data, '--history', history], { maxBuffer: 1 << 24 });
    evals.push(performance.now() - t);
    evalE0 = ev.stdout.split('\n').find((l) => l.startsWith('E0 '))?.split('|')[1]?.trim().split(/\s+/)[0] ?? '';
    await dropDatabase(url, 'matchday_bench_backfill');
    t = performance.now();
    const bf = await run$('npx', ['tsx', 'pipelines/_stats/backfill/cli.ts', '--data', data, '--history', history], { maxBuffer: 1 << 24, env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' } });
    fills.push(performance.now() - t);
    dbE0 = bf.stdout.split('\n').find((l) => / E0 /.test(l) && l.includes('closing odds'))?.match(/RPS (\d\.\d+) \(reference/)?.[1] ?? '';
    console.log(`  round ${r + 1}: eval ${fmt(evals.at(-1)! / 1000, 1)} s; backfill (CSV → walk-forward → database → statistics) ${fmt(fills.at(-1)! / 1000, 1)} s`);
  }
  await dropDatabase(url, 'matchday_bench_backfill');
  console.log(`  E0 RPS: eval prints ${evalE0}; the statistics from the database ${dbE0} (${Math.abs(Number(evalE0) - Number(dbE0)) < 5e-6 ? 'equal to the printed digits' : 'DIFFERENT'})`);
  console.log(`  best: eval ${fmt(best(evals) / 1000, 1)} s, backfill ${fmt(best(fills) / 1000, 1)} s; ratio ${verdict(best(fills) / best(evals), 1.5)}`);
}

export async function run(args: string[]) {
  const rounds = arg(args, 'rounds', 2);
  await driftMaths(arg(args, 'samples', 1_000_000), rounds);
  await accuracy(arg(args, 'predictions', 1_000_000), rounds, args.includes('--keep-database'));
  if (args.includes('--skip-drift-and-accuracy')) return;
  const data = option(args, 'data') ?? `${SHARED}/football-data`, history = option(args, 'history') ?? `${SHARED}/results-pddl`;
  if (args.includes('--skip-backfill')) return;
  if (!existsSync(data)) { console.log(`3. skipped: no data at ${data} (--data <football-data folder>)`); return; }
  await backfillVsEval(data, history, rounds);
}
