// npm run bench -- aa [--tests 1000 --matches 1000 --seed 7]
// 1,000 simulated A/A tests, each checked after every match with the engine's own stopping rule
// (pipelines/_stats/ab/evaluate.ts replay: paired always-valid sequential interval, minimum sample 150,
// α = 0.05). Both arms are equally good forecasters: per match, outcomes drawn from a true forecast, each
// arm's forecast that truth with independent noise of the same size. Any conclusion is a wrong one: the
// rate must stay ≤ 5 %. Baseline in the same run: a fixed-horizon paired t-test peeked at after every
// match (the inflation the sequential interval prevents).
import { replay, type AbTestRow } from '../../pipelines/_stats/ab/evaluate.js';
import { distReady } from '../../pipelines/_stats/dist.js';
import { oneSampleT, momentsFromSums } from '../../pipelines/_stats/tests.js';
import { rps, type Outcome3, type Probs3 } from '../../pipelines/_stats/scores.js';
import { arg, fmt } from './support.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0; s ^= s >>> 13; return (s >>> 0) / 4294967296; };
}

function forecast(r: () => number): Probs3 {
  const h = 0.3 + 0.35 * r(), d = 0.2 + 0.1 * r();
  return [h, d, 1 - h - d];
}

function noisy(p: Probs3, r: () => number): Probs3 {
  const q = p.map((x) => Math.max(0.01, x * Math.exp(0.25 * (r() - 0.5) * 2))) as [number, number, number];
  const s = q[0] + q[1] + q[2];
  return [q[0] / s, q[1] / s, q[2] / s];
}

const draw = (p: Probs3, u: number): Outcome3 => (u < p[0] ? 0 : u < p[0] + p[1] ? 1 : 2);

export async function run(args: string[]) {
  await distReady();
  const tests = arg(args, 'tests', 1000), matches = arg(args, 'matches', 1000), seed = arg(args, 'seed', 7), rounds = arg(args, 'rounds', 2);
  const DAY = 86_400_000, start = new Date('2026-01-01T00:00:00Z');
  const test = { id: 1, split: 0.5, alpha: 0.05, n_star: matches, min_sample: 150, max_duration_days: 3650, started_at: start } as AbTestRow;
  console.log(`A/A simulation: ${fmt(tests)} tests × up to ${fmt(matches)} matches, checked after every match (minimum sample ${test.min_sample}, α ${test.alpha}, N* ${matches})`);
  for (let round = 0; round < rounds; round++) {
    const r = rng(seed + round * 1_000_003);
    let sequentialWrong = 0, peekingWrong = 0, looks = 0;
    const t0 = performance.now();
    for (let k = 0; k < tests; k++) {
      const rows = [];
      let n = 0, sum = 0, sumSq = 0, peeked = false;
      for (let i = 0; i < matches; i++) {
        const truth = forecast(r);
        const o = draw(truth, r());
        const c = rps(noisy(truth, r), o), t = rps(noisy(truth, r), o);
        rows.push({ arm: r() < 0.5 ? 'control' : 'treatment', kickoff: new Date(start.getTime() + i * DAY / 10), control_loss: c, treatment_loss: t });
        const d = t - c;
        n++; sum += d; sumSq += d * d;
        if (!peeked && n >= test.min_sample && oneSampleT(momentsFromSums(n, sum, sumSq)).pValue < test.alpha) peeked = true;
      }
      const res = replay(test, rows, new Date(start.getTime() + matches * DAY), 0.001);
      looks += res.analysis.n;
      if (res.verdict === 'treatment' || res.verdict === 'control') sequentialWrong++;
      if (peeked) peekingWrong++;
    }
    const s = (performance.now() - t0) / 1000;
    const rate = sequentialWrong / tests, naive = peekingWrong / tests;
    console.log(`  round ${round + 1}: sequential (engine) wrong conclusions ${sequentialWrong}/${tests} = ${(100 * rate).toFixed(1)} % (target ≤ 5 %) ${rate <= 0.05 ? 'MET' : 'NOT MET'}; ` +
      `baseline fixed-horizon t peeked after every match ${peekingWrong}/${tests} = ${(100 * naive).toFixed(1)} %; ratio ${(naive ? rate / naive : 0).toFixed(2)}; ` +
      `${fmt(looks)} looks in ${s.toFixed(1)} s`);
  }
}
