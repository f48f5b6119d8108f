// npm run bench -- baseline [--data <folder>] [--seasons 5] [--rounds 3]
// Fit time of the built-in baseline on the latest N E0 seasons (≈ 1,900 matches for 5; a cold fit,
// i.e. including the inner-validation tuning) and predict time for 10,000 fixtures, next to targets.
// Each round times one cold fit, one warm refit and one predict; the targets are absolute, so they
// judge the median round (support.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFootballDataFolder } from '../../pipelines/_baseline-model/football-data.js';
import { fitBaseline, predictBaseline, type Fixture } from '../../pipelines/_baseline-model/model.js';
import { arg, median, roundsArg, verdict } from './support.js';

const SHARED = '/work/shared/data/football/football-data';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/football');
const FIT_TARGET_MS = 2_000;
const PREDICT_TARGET_MS = 1_000;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args: string[]): Promise<void> {
  const data = option(args, 'data') ?? (existsSync(path.join(SHARED, 'E0')) ? SHARED : FIXTURES);
  const seasons = arg(args, 'seasons', 5);
  // --repeat is the flag's old name.
  const rounds = args.includes('--repeat') && !args.includes('--rounds') ? arg(args, 'repeat', 3, 2) : roundsArg(args);
  const all = readFootballDataFolder(data, ['E0']).get('E0') ?? [];
  const seasonNames = [...new Set(all.map((r) => r.season))].sort().slice(-seasons);
  const rows = all.filter((r) => seasonNames.includes(r.season));
  console.log(`baseline: E0 ${seasonNames[0]}..${seasonNames[seasonNames.length - 1]} (${rows.length} matches) from ${data}`);

  let model = fitBaseline(rows); // warm-up (JIT), not timed
  const teams = [...new Set(rows.map((r) => r.home))];
  const fixtures: Fixture[] = Array.from({ length: 10_000 }, (_, i) => {
    const h = teams[i % teams.length]!;
    // Every 50th fixture has a club the model has never seen (promoted-team prior path).
    const a = i % 50 === 0 ? `Newcomer ${i}` : teams[(i * 7 + 3) % teams.length]!;
    return { home: h, away: a === h ? teams[(i + 1) % teams.length]! : a, date: new Date(Date.UTC(2024, 7, 17 + (i % 60))) };
  });
  predictBaseline(model, fixtures.slice(0, 100)); // JIT warm-up
  const fitTimes: number[] = [];
  const warmTimes: number[] = [];
  const predictTimes: number[] = [];
  const time = (fn: () => unknown) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  for (let i = 1; i <= rounds; i++) {
    fitTimes.push(time(() => (model = fitBaseline(rows))));
    // What a weekly production refit costs: warm start, tuning reused.
    warmTimes.push(time(() => fitBaseline(rows, { previous: model })));
    predictTimes.push(time(() => predictBaseline(model, fixtures)));
    console.log(`  round ${i}: cold fit ${fitTimes.at(-1)!.toFixed(0)} ms, warm refit ${warmTimes.at(-1)!.toFixed(0)} ms, predict 10,000 ${predictTimes.at(-1)!.toFixed(0)} ms`);
  }
  const json = JSON.stringify(model);
  const line = (label: string, ms: number[], target?: number): void => {
    const m = median(ms);
    console.log(`  ${label.padEnd(42)} median ${m.toFixed(0).padStart(5)} ms of ${ms.length} rounds (min ${Math.min(...ms).toFixed(0)})` +
      (target ? `   target < ${target} ms: ${verdict(m < target)} (${(m / target).toFixed(2)}× of budget)` : ''));
  };
  line(`fit, cold (with tuning), ${rows.length} matches`, fitTimes, FIT_TARGET_MS);
  line('refit, warm (tuning reused)', warmTimes);
  line('predict 10,000 fixtures', predictTimes, PREDICT_TARGET_MS);
  console.log(`  model JSON: ${(json.length / 1024).toFixed(0)} KiB`);
}
