// Seeded synthetic leagues for the baseline tests: scores drawn from a known Dixon-Coles model.
import { dcScoreMatrix, MAX_GOALS, type DcParams } from '../../../pipelines/_baseline-model/dixon-coles.js';
import { mulberry32 } from '../../../pipelines/_baseline-model/tune.js';
import type { ResultRow } from '../../../pipelines/_baseline-model/model.js';

export { mulberry32 };

/** The true parameters the league was simulated from, and its results. */
export interface SyntheticLeague extends DcParams {
  rows: ResultRow[];
}

export interface SyntheticOptions {
  teams?: number;
  seasons?: number;
  seed?: number;
  mu?: number;
  home?: number;
  rho?: number;
  /** Spread of the true strengths; attack and defence are centred to sum to zero. */
  spread?: number;
  firstSeason?: number;
  league?: string;
}

/** Draws one score from the Dixon-Coles score matrix. */
export function drawScore(rnd: () => number, lh: number, la: number, rho: number): [number, number] {
  const m = dcScoreMatrix(lh, la, rho);
  let u = rnd();
  const N = MAX_GOALS + 1;
  for (let k = 0; k < m.length; k++) { u -= m[k]!; if (u <= 0) return [Math.floor(k / N), k % N]; }
  return [0, 0];
}

/**
 * Double round robin per season, 10 matches a week from mid-August, seasons a year apart. Team i is
 * monotonically stronger with i (attack up, defence up), so orderings are easy to assert.
 */
export function simulateLeague(o: SyntheticOptions = {}): SyntheticLeague {
  const n = o.teams ?? 20, seasons = o.seasons ?? 4, rnd = mulberry32(o.seed ?? 42);
  const mu = o.mu ?? 0.15, home = o.home ?? 0.3, rho = o.rho ?? -0.08, spread = o.spread ?? 0.35;
  const teams = Array.from({ length: n }, (_, i) => `Team ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? i : ''}`);
  const raw = teams.map((_, i) => (i / (n - 1) - 0.5) * 2 * spread);
  const attack = raw.map((r) => r + (rnd() - 0.5) * 0.1);
  const defence = raw.map((r) => r + (rnd() - 0.5) * 0.1);
  const ma = attack.reduce((a, b) => a + b, 0) / n, md = defence.reduce((a, b) => a + b, 0) / n;
  attack.forEach((_, i) => { attack[i] = attack[i]! - ma; defence[i] = defence[i]! - md; });
  const rows: ResultRow[] = [];
  for (let s = 0; s < seasons; s++) {
    const pairs: [number, number][] = [];
    for (let h = 0; h < n; h++) for (let a = 0; a < n; a++) if (h !== a) pairs.push([h, a]);
    for (let i = pairs.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!]; }
    const start = Date.UTC((o.firstSeason ?? 2015) + s, 7, 15);
    pairs.forEach(([h, a], k) => {
      const lh = Math.exp(mu + home + attack[h]! - defence[a]!), la = Math.exp(mu + attack[a]! - defence[h]!);
      const [hg, ag] = drawScore(rnd, lh, la, rho);
      const date = new Date(start + Math.floor(k / 10) * 7 * 86_400_000);
      rows.push({ date, home: teams[h]!, away: teams[a]!, homeGoals: hg, awayGoals: ag, ...(o.league ? { league: o.league } : {}) });
    });
  }
  return { rows, teams, attack, defence, mu, home, rho };
}

/** Spearman rank correlation. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (xs: readonly number[]): number[] => {
    const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    order.forEach(([, i], k) => { r[i] = k; });
    return r;
  };
  const ra = rank(a), rb = rank(b), n = a.length;
  const d2 = ra.reduce((s, r, i) => s + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}
