// npm run eval -- baseline --data <folder> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--leagues E0,SP1]
//                          [--history <folder>] [--exclude-new-teams] [--refit-days N] [--jobs N]
// Walk-forward evaluation of the built-in baseline against de-margined Pinnacle closing odds.
// Leagues are independent, so they run in up to --jobs child processes (default 2): the full
// five-league, twelve-season run is CPU-bound and the machines it runs on have two cores.
import { fork } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateLeague, type LeagueEvaluation, type LeagueEvaluationOptions } from './walk-forward.js';
import { BASELINE_MODEL_NAME } from './model.js';
import type { MetricSummary } from './metrics.js';
import { DAY_MS, isoDate } from '../../src/time.js';

const USAGE = `usage: npm run eval -- baseline --data <folder> [options]

  --data <folder>        football-data.co.uk CSVs laid out as <folder>/<Div>/<season>.csv (required)
  --from YYYY-MM-DD      score matches on or after this date (fits still use every earlier match)
  --to YYYY-MM-DD        score matches up to and including this date
  --leagues E0,SP1       leagues (sub-folders of --data) to evaluate; default: all sub-folders
  --history <folder>     results-only history (results-pddl layout: <league-slug>/season-YYZZ.csv) that
                         warms the models up; without it the first season is burn-in and not scored
  --exclude-new-teams    also drop matches of clubs without a league match in the 3 years before the
                         fit, as the reference figures in reference-metrics.csv do
  --refit-days N         refit interval in days (default 7)
  --jobs N               leagues evaluated in parallel (default 2)`;

class UsageError extends Error {}

interface Args { data: string; history?: string; from?: Date; to?: Date; leagues?: string[]; excludeNewTeams: boolean; refitDays: number; jobs: number }

function parseDay(flag: string, v: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || isoDate(d) !== v) throw new UsageError(`${flag} expects a date YYYY-MM-DD, got "${v}"`);
  return d;
}

function parsePositiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} expects a positive integer, got "${v}"`);
  return Number(v);
}

export function parseArgs(argv: readonly string[]): Args {
  const [model, ...rest] = argv;
  if (model === undefined) throw new UsageError('missing model name (only "baseline" is available)');
  if (model !== 'baseline') throw new UsageError(`unknown model "${model}" (only "baseline" is available)`);
  const out: Partial<Args> & { excludeNewTeams: boolean; refitDays: number; jobs: number } = { excludeNewTeams: false, refitDays: 7, jobs: 2 };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--data': out.data = value(); break;
      case '--history': out.history = value(); break;
      case '--from': out.from = parseDay(flag, value()); break;
      case '--to': out.to = parseDay(flag, value()); break;
      case '--leagues': {
        const list = value().split(',').map((s) => s.trim()).filter(Boolean);
        if (list.length === 0 || list.some((l) => !/^[A-Za-z0-9_-]+$/.test(l))) throw new UsageError(`--leagues expects codes like E0,SP1`);
        out.leagues = [...new Set(list)];
        break;
      }
      case '--exclude-new-teams': out.excludeNewTeams = true; break;
      case '--refit-days': out.refitDays = parsePositiveInt(flag, value()); break;
      case '--jobs': out.jobs = parsePositiveInt(flag, value()); break;
      default: throw new UsageError(`unknown argument "${flag}"`);
    }
  }
  if (!out.data) throw new UsageError('--data <folder> is required');
  if (!existsSync(out.data) || !statSync(out.data).isDirectory()) throw new UsageError(`--data: no such folder: ${out.data}`);
  if (out.history && (!existsSync(out.history) || !statSync(out.history).isDirectory())) throw new UsageError(`--history: no such folder: ${out.history}`);
  if (out.from && out.to && out.to < out.from) throw new UsageError('--to is before --from');
  const available = readdirSync(out.data).filter((d) => statSync(path.join(out.data!, d)).isDirectory()).sort();
  const missing = (out.leagues ?? []).filter((l) => !available.includes(l));
  if (missing.length) throw new UsageError(`--leagues: no folder for ${missing.join(', ')} in ${out.data} (has: ${available.join(', ') || 'none'})`);
  if (!out.leagues && available.length === 0) throw new UsageError(`--data: ${out.data} has no league sub-folders`);
  return { ...out, data: out.data, leagues: out.leagues ?? available };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const metrics = (s: MetricSummary): string => `${s.rps.toFixed(5)}  ${s.logLoss.toFixed(4)}  ${s.brier.toFixed(4)}  ${pct(s.accuracy).padStart(5)}`; // 30 chars

function line(r: LeagueEvaluation): string {
  const c = r.components;
  const notes = [
    r.excludedNoOdds ? `${r.excludedNoOdds} without odds excluded` : '',
    r.excludedNewTeams ? `${r.excludedNewTeams} new-team excluded` : '',
    r.burnIn ? `burn-in ${r.burnIn}` : '',
  ].filter(Boolean).join(', ');
  return `${r.league.padEnd(4)} ${String(r.n).padStart(5)} | ${metrics(r.baseline)} | ${metrics(r.pinnacle)} | ` +
    `${c.dc.rps.toFixed(5)} ${c.elo.rps.toFixed(5)} ${c.pi.rps.toFixed(5)} ${c.kf.rps.toFixed(5)} | ${r.seconds.toFixed(1).padStart(5)} s ${r.cpuSeconds.toFixed(1).padStart(5)} s | ` +
    `${r.scoredFrom ?? '-'}..${r.scoredTo ?? '-'}${notes ? ` (${notes})` : ''}`;
}

function runInChild(opts: LeagueEvaluationOptions): Promise<LeagueEvaluation> {
  return new Promise((resolve, reject) => {
    // Same entry file in worker mode; execArgv is inherited, so this works under tsx and compiled.
    const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, MATCHDAY_EVAL_WORKER: '1' } });
    let done = false;
    child.on('message', (msg: { ok: true; result: LeagueEvaluation } | { ok: false; error: string }) => {
      done = true;
      if (msg.ok) resolve(msg.result); else reject(new Error(msg.error));
      child.disconnect();
    });
    child.on('exit', (code) => { if (!done) reject(new Error(`evaluation of ${opts.league} exited with code ${code}`)); });
    child.send({ ...opts, from: opts.from?.toISOString(), to: opts.to?.toISOString() });
  });
}

async function main(argv: readonly string[]): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) { console.error(`error: ${err.message}\n\n${USAGE}`); process.exit(2); }
    throw err;
  }
  const started = performance.now();
  const leagues = args.leagues ?? [];
  const to = args.to ? new Date(args.to.getTime() + DAY_MS) : undefined; // --to is inclusive
  const jobs = Math.max(1, Math.min(args.jobs, leagues.length));
  console.log(`${BASELINE_MODEL_NAME}: walk-forward, refit every ${args.refitDays} days on every earlier result of the league; ` +
    `scored: ${args.from ? isoDate(args.from) : 'start'}..${args.to ? isoDate(args.to) : 'end'}; ` +
    `history: ${args.history ?? 'none (first season is burn-in unless --from is given)'}`);
  console.log('Matches without Pinnacle closing odds (PSCH/PSCD/PSCA) are excluded from both sides. RPS includes the ½ factor; Brier sums 3 classes.');
  const sub = `${'RPS'.padEnd(9)}${'logloss'.padEnd(8)}${'Brier'.padEnd(8)}${'acc'.padStart(5)}`;
  console.log(`${'lg'.padEnd(4)} ${'n'.padStart(5)} | ${'baseline'.padEnd(30)} | ${'Pinnacle closing, de-margined'.padEnd(30)} | ${'components alone: RPS'.padEnd(31)} | ${'wall     CPU'.padEnd(15)} | scored`);
  console.log(`${''.padEnd(10)} | ${sub} | ${sub} | ${'DC      Elo     pi      KF'.padEnd(31)} | ${''.padEnd(15)} |`);
  const results = new Array<LeagueEvaluation | undefined>(leagues.length);
  let printed = 0;
  const flush = (): void => { while (printed < leagues.length && results[printed]) console.log(line(results[printed++]!)); };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < leagues.length) {
      const i = next++;
      const opts: LeagueEvaluationOptions = { data: args.data, history: args.history, league: leagues[i]!, from: args.from, to, refitDays: args.refitDays, excludeNewTeams: args.excludeNewTeams };
      results[i] = jobs > 1 ? await runInChild(opts) : evaluateLeague(opts);
      flush();
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  const all = results.filter((r): r is LeagueEvaluation => r !== undefined);
  const cpu = all.reduce((s, r) => s + r.cpuSeconds, 0);
  console.log(`elapsed ${((performance.now() - started) / 1000).toFixed(1)} s wall (${jobs} parallel job${jobs > 1 ? 's' : ''}; ${cpu.toFixed(1)} s CPU summed over leagues)`);
}

// Importing this module (tests use parseArgs) must not start an evaluation.
const isEntry = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (isEntry && process.env.MATCHDAY_EVAL_WORKER === '1') {
  process.once('message', (raw: LeagueEvaluationOptions & { from?: string; to?: string }) => {
    try {
      const result = evaluateLeague({ ...raw, from: raw.from ? new Date(raw.from) : undefined, to: raw.to ? new Date(raw.to) : undefined });
      process.send!({ ok: true, result });
    } catch (err) {
      process.send!({ ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
} else if (isEntry) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  });
}
