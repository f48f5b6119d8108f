// Scoring rules for 1X2 forecasts. Outcomes are ordered H, D, A (index 0, 1, 2) because RPS is only
// meaningful on an ordered scale: a home win forecast is "closer" to a draw than to an away win.

export type Probs3 = readonly [number, number, number];
export type Outcome = 0 | 1 | 2;

export function outcomeOf(homeGoals: number, awayGoals: number): Outcome {
  return homeGoals > awayGoals ? 0 : homeGoals === awayGoals ? 1 : 2;
}

/** Ranked probability score with the 1/(r−1) = ½ normalisation (Constantinou & Fenton 2012). */
export function rps(p: Probs3, o: Outcome): number {
  const c1 = p[0] - (o === 0 ? 1 : 0);
  const c2 = p[0] + p[1] - (o <= 1 ? 1 : 0);
  return 0.5 * (c1 * c1 + c2 * c2);
}

/** Natural-log loss; the floor keeps one overconfident zero from turning the average into Infinity. */
export function logLoss(p: Probs3, o: Outcome): number {
  return -Math.log(Math.max(p[o], 1e-15));
}

/** Multi-class Brier score: sum over the 3 outcomes, range 0–2. */
export function brier(p: Probs3, o: Outcome): number {
  let s = 0;
  for (let k = 0; k < 3; k++) {
    const e = (k === o ? 1 : 0) - p[k as Outcome];
    s += e * e;
  }
  return s;
}

/** 1 when the forecast's argmax is the outcome. Ties go to the earlier outcome (H before D before A). */
export function correct(p: Probs3, o: Outcome): number {
  let best: Outcome = 0;
  if (p[1] > p[best]) best = 1;
  if (p[2] > p[best]) best = 2;
  return best === o ? 1 : 0;
}

/** Bookmaker decimal odds → probabilities by multiplicative (proportional) normalisation. */
export function demarginMultiplicative(odds: readonly [number, number, number]): [number, number, number] {
  const inv = odds.map((x) => 1 / x) as [number, number, number];
  const s = inv[0] + inv[1] + inv[2];
  return [inv[0] / s, inv[1] / s, inv[2] / s];
}

export interface MetricSummary { n: number; rps: number; logLoss: number; brier: number; accuracy: number }

/** Running sums so that walk-forward loops need not keep every forecast in memory. */
export class MetricAccumulator {
  private n = 0;
  private sRps = 0;
  private sLog = 0;
  private sBrier = 0;
  private sAcc = 0;

  add(p: Probs3, o: Outcome): void {
    this.n++;
    this.sRps += rps(p, o);
    this.sLog += logLoss(p, o);
    this.sBrier += brier(p, o);
    this.sAcc += correct(p, o);
  }

  summary(): MetricSummary {
    const n = this.n || 1;
    return { n: this.n, rps: this.sRps / n, logLoss: this.sLog / n, brier: this.sBrier / n, accuracy: this.sAcc / n };
  }
}

export function meanRps(preds: readonly Probs3[], outcomes: readonly Outcome[]): number {
  let s = 0;
  for (let i = 0; i < preds.length; i++) s += rps(preds[i]!, outcomes[i]!);
  return preds.length ? s / preds.length : NaN;
}
