import { DAY_MS } from '../../src/time.js';
// Dixon-Coles (1997) goals model with exponential time decay and a ridge prior on team strengths.
//
//   log λ_home = μ + h + att[home] − def[away]      log λ_away = μ + att[away] − def[home]
//
// Speed: with one league-wide home advantage, the Poisson likelihood depends on a match only through
// its (home, away) pair, so matches are first collapsed into weighted per-pair sufficient statistics
// (≈ 20·19 pairs for a season instead of 380 rows; a few hundred more over many seasons). Given the
// defences, the attack parameters are conditionally independent (and vice versa), so block coordinate
// ascent with an exact 1-D Newton solve per team converges in a few dozen cheap sweeps, and in a
// handful when warm-started from the previous fit. ρ is fitted afterwards with the strengths held
// fixed: its effect on the strength estimates is negligible and the two-stage fit is much cheaper.
// The ridge prior (instead of a sum-to-zero constraint) both identifies the model and shrinks teams with
// little recent data — newly promoted clubs above all — towards a prior mean chosen by the caller.

export const MAX_GOALS = 10;

/** Matches passed to the fit must be sorted by date (oldest first). */
export interface DcMatch { date: Date; home: string; away: string; homeGoals: number; awayGoals: number }

export interface DcParams {
  teams: string[];
  attack: number[];
  defence: number[];
  mu: number;
  home: number;
  rho: number;
}

export interface DcFitOptions {
  /** Decay per day: a match `t` days before `asOf` has weight exp(−xi·t). */
  xi: number;
  asOf: Date;
  /** Prior precision of each attack/defence parameter, in "weighted matches" (see file comment). */
  ridge: number;
  /** Prior mean of a team's [attack, defence]; league average (0, 0) when omitted. */
  priorMean?: (team: string) => readonly [number, number];
  warmStart?: DcParams;
  /** Matches with a weight below this (default 1 %) are dropped: they barely move the fit but cost time. */
  minWeight?: number;
  rhoBound?: number;
}

interface PairStats { hi: number; ai: number; w: number; yh: number; ya: number; w00: number; w01: number; w10: number; w11: number }

function collapse(matches: readonly DcMatch[], opts: DcFitOptions) {
  const asOfDay = opts.asOf.getTime() / DAY_MS;
  const minW = opts.minWeight ?? 0.01;
  const index = new Map<string, number>();
  const teams: string[] = [];
  const idx = (t: string): number => {
    let i = index.get(t);
    if (i === undefined) { i = teams.length; index.set(t, i); teams.push(t); }
    return i;
  };
  // Dense (home, away) → pair slot table; grown if a league ever has more than `cap` clubs.
  let cap = 64;
  let slot = new Int32Array(cap * cap).fill(-1);
  const pairs: PairStats[] = [];
  let lastT = NaN, w = 0;
  // Newest first (matches are sorted by date), so the scan can stop at the first negligible weight.
  for (let mi = matches.length - 1; mi >= 0; mi--) {
    const m = matches[mi]!;
    const t = m.date.getTime();
    if (t !== lastT) {
      const age = asOfDay - t / DAY_MS;
      w = age > 0 ? Math.exp(-opts.xi * age) : 0;
      lastT = t;
    }
    if (w === 0) continue;
    // Weights only shrink going back in time, so everything older is negligible too.
    if (w < minW) break;
    const hi = idx(m.home), ai = idx(m.away);
    if (teams.length > cap) {
      const bigger = new Int32Array(4 * cap * cap).fill(-1);
      for (let a = 0; a < cap; a++) for (let b = 0; b < cap; b++) bigger[a * 2 * cap + b] = slot[a * cap + b]!;
      cap *= 2; slot = bigger;
    }
    let j = slot[hi * cap + ai]!;
    if (j < 0) { j = pairs.length; slot[hi * cap + ai] = j; pairs.push({ hi, ai, w: 0, yh: 0, ya: 0, w00: 0, w01: 0, w10: 0, w11: 0 }); }
    const p = pairs[j]!;
    p.w += w; p.yh += w * m.homeGoals; p.ya += w * m.awayGoals;
    if (m.homeGoals <= 1 && m.awayGoals <= 1) {
      if (m.homeGoals === 0) { if (m.awayGoals === 0) p.w00 += w; else p.w01 += w; }
      else if (m.awayGoals === 0) p.w10 += w; else p.w11 += w;
    }
  }
  return { teams, index, pairs };
}

/** argmax_x  y·x − k·eˣ − τ(x − p)²/2 — concave, so a few Newton steps from a warm start suffice. */
function solve1d(x0: number, y: number, k: number, tau: number, p: number): number {
  let x = x0;
  for (let it = 0; it < 8; it++) {
    const ke = k * Math.exp(x);
    const step = (y - ke - tau * (x - p)) / (ke + tau);
    x += Math.max(-1, Math.min(1, step));
    if (Math.abs(step) < 1e-10) break;
  }
  return x;
}

export function fitDixonColes(matches: readonly DcMatch[], opts: DcFitOptions): DcParams {
  const { teams, pairs } = collapse(matches, opts);
  const n = teams.length;
  const tau = Math.max(opts.ridge, 1e-6);
  const pa = new Float64Array(n), pd = new Float64Array(n);
  const att = new Float64Array(n), def = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const prior = opts.priorMean?.(teams[i]!) ?? [0, 0];
    pa[i] = prior[0]; pd[i] = prior[1];
    att[i] = pa[i]!; def[i] = pd[i]!;
  }
  let mu = 0.3, home = 0.25;
  if (opts.warmStart) {
    const ws = opts.warmStart;
    const wIdx = new Map(ws.teams.map((t, i) => [t, i]));
    for (let i = 0; i < n; i++) {
      const j = wIdx.get(teams[i]!);
      if (j !== undefined) { att[i] = ws.attack[j]!; def[i] = ws.defence[j]!; }
    }
    mu = ws.mu; home = ws.home;
  }
  // Goals scored and conceded per team are constants of the fit.
  const P = pairs.length;
  const ph = new Int32Array(P), pw = new Float64Array(P), pA = new Int32Array(P);
  const scored = new Float64Array(n), conceded = new Float64Array(n);
  let totH = 0, totA = 0;
  pairs.forEach((p, j) => {
    ph[j] = p.hi; pA[j] = p.ai; pw[j] = p.w;
    scored[p.hi]! += p.yh; scored[p.ai]! += p.ya;
    conceded[p.ai]! += p.yh; conceded[p.hi]! += p.ya;
    totH += p.yh; totA += p.ya;
  });
  if (P === 0) return { teams, attack: [...att], defence: [...def], mu, home, rho: 0 };
  const k = new Float64Array(n), ex = new Float64Array(n);
  for (let sweep = 0; sweep < 500; sweep++) {
    let change = 0;
    // Attack block: k_i = Σ w·exp(μ + h·[home] − def_opp), so λ_i = k_i·exp(att_i).
    const eh = Math.exp(mu + home), ea = Math.exp(mu);
    for (let i = 0; i < n; i++) { ex[i] = Math.exp(-def[i]!); k[i] = 0; }
    for (let j = 0; j < P; j++) {
      const w = pw[j]!, h = ph[j]!, a = pA[j]!;
      k[h]! += w * eh * ex[a]!;
      k[a]! += w * ea * ex[h]!;
    }
    for (let i = 0; i < n; i++) {
      const x = solve1d(att[i]!, scored[i]!, k[i]!, tau, pa[i]!);
      change = Math.max(change, Math.abs(x - att[i]!)); att[i] = x;
    }
    // Defence block, in terms of x = −def so the same solver applies.
    for (let i = 0; i < n; i++) { ex[i] = Math.exp(att[i]!); k[i] = 0; }
    for (let j = 0; j < P; j++) {
      const w = pw[j]!, h = ph[j]!, a = pA[j]!;
      k[a]! += w * eh * ex[h]!;
      k[h]! += w * ea * ex[a]!;
    }
    for (let i = 0; i < n; i++) {
      const x = -solve1d(-def[i]!, conceded[i]!, k[i]!, tau, -pd[i]!);
      change = Math.max(change, Math.abs(x - def[i]!)); def[i] = x;
    }
    // μ and h have closed forms given the team parameters (no prior on them).
    let zh = 0, za = 0;
    for (let i = 0; i < n; i++) { ex[i] = Math.exp(att[i]!); k[i] = Math.exp(-def[i]!); }
    for (let j = 0; j < P; j++) {
      const w = pw[j]!, h = ph[j]!, a = pA[j]!;
      zh += w * ex[h]! * k[a]!;
      za += w * ex[a]! * k[h]!;
    }
    const newMu = Math.log((totA + 1e-9) / za);
    const newHome = Math.log((totH + 1e-9) / zh) - newMu;
    change = Math.max(change, Math.abs(newMu - mu), Math.abs(newHome - home));
    mu = newMu; home = newHome;
    // The likelihood is flat along (att + c, μ − c) and (def + c, μ + c); only the weak ridge pins those
    // directions, which makes coordinate ascent crawl along them. Jump to their exact optimum instead.
    let ca = 0, cd = 0;
    for (let i = 0; i < n; i++) { ca += att[i]! - pa[i]!; cd += def[i]! - pd[i]!; }
    ca /= n; cd /= n;
    for (let i = 0; i < n; i++) { att[i]! -= ca; def[i]! -= cd; }
    mu += ca - cd;
    if (change < 1e-6) break;
  }
  const rho = fitRho(pairs, att, def, mu, home, opts.rhoBound ?? 0.2);
  return { teams, attack: [...att], defence: [...def], mu, home, rho };
}

/** Maximises the ρ-dependent part of the DC likelihood (only 0-0, 1-0, 0-1, 1-1 scores carry ρ). */
function fitRho(pairs: readonly PairStats[], att: Float64Array, def: Float64Array, mu: number, home: number, bound: number): number {
  const lh: number[] = [], la: number[] = [];
  let lo = -bound, hi = bound;
  for (const p of pairs) {
    const a = Math.exp(mu + home + att[p.hi]! - def[p.ai]!), b = Math.exp(mu + att[p.ai]! - def[p.hi]!);
    lh.push(a); la.push(b);
    // Keep every τ factor positive.
    hi = Math.min(hi, 0.999 / (a * b));
    lo = Math.max(lo, -0.999 / Math.max(a, b));
  }
  const grad = (r: number): [number, number] => {
    let g = 0, h = 0;
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i]!, a = lh[i]!, b = la[i]!;
      const t00 = -a * b / (1 - a * b * r), t01 = a / (1 + a * r), t10 = b / (1 + b * r), t11 = -1 / (1 - r);
      g += p.w00 * t00 + p.w01 * t01 + p.w10 * t10 + p.w11 * t11;
      h -= p.w00 * t00 * t00 + p.w01 * t01 * t01 + p.w10 * t10 * t10 + p.w11 * t11 * t11;
    }
    return [g, h];
  };
  // Concave in ρ: safeguarded Newton inside a shrinking bracket.
  let r = 0;
  for (let it = 0; it < 50; it++) {
    const [g, h] = grad(r);
    if (g > 0) lo = r; else hi = r;
    let next = h < 0 ? r - g / h : (lo + hi) / 2;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - r) < 1e-9) { r = next; break; }
    r = next;
  }
  return r;
}

const SCRATCH_H = new Float64Array(MAX_GOALS + 1), SCRATCH_A = new Float64Array(MAX_GOALS + 1);

/**
 * Joint score probabilities P[h·(MAX_GOALS+1) + a], renormalised after truncation. Pass `out` to
 * reuse a buffer: predicting 10,000 fixtures should not allocate 20,000 arrays.
 */
export function dcScoreMatrix(lh: number, la: number, rho: number, out: Float64Array = new Float64Array((MAX_GOALS + 1) ** 2)): Float64Array {
  const N = MAX_GOALS + 1;
  const ph = SCRATCH_H, pa = SCRATCH_A;
  ph[0] = Math.exp(-lh); pa[0] = Math.exp(-la);
  for (let g = 1; g < N; g++) { ph[g] = ph[g - 1]! * lh / g; pa[g] = pa[g - 1]! * la / g; }
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[i * N + j] = ph[i]! * pa[j]!;
  out[0]! *= 1 - lh * la * rho;
  out[1]! *= 1 + lh * rho; // 0-1
  out[N]! *= 1 + la * rho; // 1-0
  out[N + 1]! *= 1 - rho;
  let s = 0;
  for (let i = 0; i < N * N; i++) s += out[i]!;
  for (let i = 0; i < N * N; i++) out[i]! /= s;
  return out;
}

/** H/D/A totals of a score matrix. */
export function outcomeProbs(m: Float64Array): [number, number, number] {
  const N = MAX_GOALS + 1;
  let h = 0, d = 0, a = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
    const v = m[i * N + j]!;
    if (i > j) h += v; else if (i === j) d += v; else a += v;
  }
  return [h, d, a];
}
