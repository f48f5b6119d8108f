// Pure parts of the insight writer: the facts it writes from, the answer's schema (its JSON schema is the
// Ollama `format`), the prompt, the fact check and the deterministic template writer.
import { z } from 'zod';

export interface TeamForm {
  name: string;
  /** Newest first: "W 2-1 v Chelsea (H)". */
  results: Array<{ outcome: 'W' | 'D' | 'L'; for: number; against: number; opponent: string; home: boolean }>;
}

export interface MatchFacts {
  matchId: number;
  kickoff: string;
  status: string;
  home: TeamForm;
  away: TeamForm;
  score: { home: number; away: number } | null;
  /** Percentages, whole numbers (47 = 47 %). */
  prediction: { home: number; draw: number; away: number; modelVersion: string } | null;
  weather: { temperatureC: number | null; precipitationMm: number | null; windSpeedMs: number | null } | null;
  news: Array<{ team: string; headline: string; flags: string[] }>;
}

export const insightAnswer = z.strictObject({
  headline: z.string().min(5).max(120),
  summary: z.string().min(20).max(1200),
  key_factors: z.array(z.string().min(3).max(200)).min(1).max(5),
  risk_note: z.string().max(300),
  confidence: z.number().min(0).max(1),
});
export type InsightAnswer = z.infer<typeof insightAnswer>;

/** The `format` Ollama constrains its answer to: generated from the same zod schema the answer is checked with. */
export const insightFormat = z.toJSONSchema(insightAnswer) as object;

const formLine = (t: TeamForm) =>
  t.results.length ? t.results.map((r) => `${r.outcome} ${r.for}-${r.against} v ${r.opponent} (${r.home ? 'H' : 'A'})`).join(', ') : 'no recent results';

export function factSheet(f: MatchFacts): string {
  return [
    `Match: ${f.home.name} v ${f.away.name}, kick-off ${f.kickoff} (status ${f.status})${f.score ? `, score ${f.score.home}-${f.score.away}` : ''}.`,
    `${f.home.name} recent form (newest first): ${formLine(f.home)}.`,
    `${f.away.name} recent form (newest first): ${formLine(f.away)}.`,
    f.prediction
      ? `Model probabilities (${f.prediction.modelVersion}): ${f.home.name} win ${f.prediction.home}%, draw ${f.prediction.draw}%, ${f.away.name} win ${f.prediction.away}%.`
      : 'No model prediction yet.',
    f.weather ? `Weather at kick-off: ${f.weather.temperatureC ?? '?'} °C, precipitation ${f.weather.precipitationMm ?? '?'} mm, wind ${f.weather.windSpeedMs ?? '?'} m/s.` : 'No weather forecast.',
    f.news.length ? `Team news: ${f.news.map((n) => `${n.team}: ${n.headline}${n.flags.length ? ` [${n.flags.join(', ')}]` : ''}`).join(' | ')}.` : 'No team news.',
  ].join('\n');
}

export function prompt(f: MatchFacts, previousError?: string) {
  const messages: Array<{ role: 'system' | 'user'; content: string }> = [
    {
      role: 'system',
      content:
        'You are a football analyst writing a short match preview. Answer in JSON only, matching the given schema. ' +
        'Use only the facts given; quote probabilities and scores exactly as given, never invent numbers.',
    },
    { role: 'user', content: `Facts:\n${factSheet(f)}\n\nWrite the preview as JSON.` },
  ];
  if (previousError) messages.push({ role: 'user', content: `Your previous answer was rejected: ${previousError}. Answer again, as valid JSON matching the schema, using only the facts given.` });
  return messages;
}

/** Parses and validates an answer; the error text is what the retry prompt quotes. */
export function parseAnswer(content: string): { ok: true; value: InsightAnswer } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (err) {
    return { ok: false, error: `invalid JSON (${(err as Error).message.slice(0, 100)})` };
  }
  const r = insightAnswer.safeParse(raw);
  if (!r.success) return { ok: false, error: `schema violation: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  return { ok: true, value: r.data };
}

/**
 * Numbers the answer states must come from the context: every percentage must be one of the model's
 * (±1 point for rounding) and every score one of the context's scores. Returns the mismatches.
 */
export function factCheck(a: InsightAnswer, f: MatchFacts): string[] {
  const text = [a.headline, a.summary, ...a.key_factors, a.risk_note].join('\n');
  const problems: string[] = [];
  const pcts = f.prediction ? [f.prediction.home, f.prediction.draw, f.prediction.away] : [];
  for (const m of text.matchAll(/(\d{1,3}(?:\.\d+)?)\s?%/g)) {
    const v = Number(m[1]);
    if (!pcts.some((p) => Math.abs(p - v) <= 1)) problems.push(`${m[0].trim()} is not a probability of the context (${pcts.length ? pcts.map((p) => `${p}%`).join(', ') : 'none'})`);
  }
  const scores = new Set<string>();
  for (const t of [f.home, f.away]) for (const r of t.results) scores.add(`${r.for}-${r.against}`).add(`${r.against}-${r.for}`);
  if (f.score) scores.add(`${f.score.home}-${f.score.away}`).add(`${f.score.away}-${f.score.home}`);
  for (const m of text.matchAll(/\b(\d{1,2})\s?[-–]\s?(\d{1,2})\b/g)) {
    const s = `${m[1]}-${m[2]}`;
    if (!scores.has(s)) problems.push(`score ${s} is not in the context`);
  }
  return problems;
}

const points = (t: TeamForm) => t.results.reduce((p, r) => p + (r.outcome === 'W' ? 3 : r.outcome === 'D' ? 1 : 0), 0);

/** The deterministic writer: the same facts always give the same insight (used without an LLM). */
export function templateInsight(f: MatchFacts): InsightAnswer {
  const { home, away, prediction: p } = f;
  const favourite = p ? (p.home >= p.away && p.home >= p.draw ? home.name : p.away >= p.draw ? away.name : null) : null;
  const headline = (favourite ? `${home.name} v ${away.name}: ${favourite} favoured` : `${home.name} v ${away.name}: too close to call`).slice(0, 120);
  const factors = [
    `${home.name} form: ${formLine(home)}`.slice(0, 200),
    `${away.name} form: ${formLine(away)}`.slice(0, 200),
    ...(p ? [`Model: ${home.name} ${p.home}%, draw ${p.draw}%, ${away.name} ${p.away}%`] : []),
    ...(f.weather?.precipitationMm ? [`Rain expected: ${f.weather.precipitationMm} mm`] : []),
    ...f.news.filter((n) => n.flags.includes('injury')).slice(0, 1).map((n) => `Injury news for ${n.team}`),
  ].slice(0, 5);
  const summary = [
    `${home.name} host ${away.name} (kick-off ${f.kickoff}).`,
    `${home.name} took ${points(home)} points from their last ${home.results.length} matches, ${away.name} ${points(away)} from ${away.results.length}.`,
    p ? `The model gives ${home.name} ${p.home}%, a draw ${p.draw}% and ${away.name} ${p.away}%.` : 'There is no model prediction yet.',
  ].join(' ');
  const injuries = f.news.filter((n) => n.flags.includes('injury')).length;
  return {
    headline,
    summary: summary.slice(0, 1200),
    key_factors: factors,
    risk_note: injuries ? `${injuries} injury report(s) may change the line-ups.` : 'No injury reports in the last week.',
    confidence: p ? Math.max(p.home, p.draw, p.away) / 100 : 0.34,
  };
}
