// npm run bench -- baseline [--data <folder>] [--seasons 5] [--repeat 3]
// Fit time of the built-in baseline on the latest N E0 seasons (≈ 1,900 matches for 5; a cold fit,
// i.e. including the inner-validation tuning) and predict time for 10,000 fixtures, next to targets.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFootballDataFolder } from '../../pipelines/_baseline-model/football-data.js';
import { fitBaseline, predictBaseline, type Fixture } from '../../pipelines/_baseline-model/model.js';

const SHARED = '/work/shared/data/football/football-data';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/football');
const FIT_TARGET_MS = 2_000;
const PREDICT_TARGET_MS = 1_000;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

export async function run(args: string[]): Promise<void> {
  const data = option(args, 'data') ?? (existsSync(path.join(SHARED, 'E0')) ? SHARED : FIXTURES);
  const seasons = Number(option(args, 'seasons') ?? 5);
  const repeat = Number(option(args, 'repeat') ?? 3);
  const all = readFootballDataFolder(data, ['E0']).get('E0') ?? [];
  const seasonNames = [...new Set(all.map((r) => r.season))].sort().slice(-seasons);
  const rows = all.filter((r) => seasonNames.includes(r.season));
  console.log(`baseline: E0 ${seasonNames[0]}..${seasonNames[seasonNames.length - 1]} (${rows.length} matches) from ${data}`);

  const fitTimes: number[] = [];
  let model = fitBaseline(rows);
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    model = fitBaseline(rows);
    fitTimes.push(performance.now() - t);
  }
  // What a weekly production refit costs: warm start, tuning reused.
  const warmTimes: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    fitBaseline(rows, { previous: model });
    warmTimes.push(performance.now() - t);
  }
  const teams = [...new Set(rows.map((r) => r.home))];
  const fixtures: Fixture[] = Array.from({ length: 10_000 }, (_, i) => {
    const h = teams[i % teams.length]!;
    // Every 50th fixture has a club the model has never seen (promoted-team prior path).
    const a = i % 50 === 0 ? `Newcomer ${i}` : teams[(i * 7 + 3) % teams.length]!;
    return { home: h, away: a === h ? teams[(i + 1) % teams.length]! : a, date: new Date(Date.UTC(2024, 7, 17 + (i % 60))) };
  });
  predictBaseline(model, fixtures.slice(0, 100)); // JIT warm-up
  const predictTimes: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    predictBaseline(model, fixtures);
    predictTimes.push(performance.now() - t);
  }
  const json = JSON.stringify(model);
  const line = (label: string, ms: number[], target?: number): void => {
    const m = median(ms);
    console.log(`  ${label.padEnd(42)} median ${m.toFixed(0).padStart(5)} ms (min ${Math.min(...ms).toFixed(0)})` +
      (target ? `   target < ${target} ms: ${m < target ? 'ok' : 'MISSED'} (${(m / target).toFixed(2)}× of budget)` : ''));
  };
  line(`fit, cold (with tuning), ${rows.length} matches`, fitTimes, FIT_TARGET_MS);
  line('refit, warm (tuning reused)', warmTimes);
  line('predict 10,000 fixtures', predictTimes, PREDICT_TARGET_MS);
  console.log(`  model JSON: ${(json.length / 1024).toFixed(0)} KiB`);
}
