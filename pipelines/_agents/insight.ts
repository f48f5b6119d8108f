// The insight writer: facts from the database → Ollama (JSON-schema format, one retry quoting what was
// wrong) → fact check → stored. Without an LLM, while its breaker is open, or when it is still unavailable
// on the task's last attempt, the template writer writes from the same facts (labelled TEMPLATE).
import type { JobContext } from '../../src/queue/define.js';
import { NonRetryableError } from '../../src/queue/errors.js';
import type { AgentsEngineDeps } from './deps.js';
import { buildFacts } from './insight-facts.js';
import { factCheck, insightFormat, parseAnswer, prompt, templateInsight, type InsightAnswer, type MatchFacts } from './insight-text.js';

type Ctx = JobContext<AgentsEngineDeps>;

/** The LLM answered, but not acceptably twice in a row: the task fails with the reason. */
export class InsightRejectedError extends NonRetryableError {
  override name = 'InsightRejectedError';
}

async function askLlm(ctx: Ctx, facts: MatchFacts, signal: AbortSignal): Promise<InsightAnswer> {
  const { ollama, llmSlots } = ctx.deps;
  let problem: string | undefined;
  for (let turn = 1; turn <= 2; turn++) {
    const content = await llmSlots.run(() => ollama!.chat(prompt(facts, problem), insightFormat, signal), signal);
    const parsed = parseAnswer(content);
    if (parsed.ok) {
      const wrong = factCheck(parsed.value, facts);
      if (!wrong.length) return parsed.value;
      problem = `facts that do not match the context: ${wrong.join('; ')}`;
    } else problem = parsed.error;
    ctx.log.warn({ turn, problem }, 'insight answer rejected');
  }
  throw new InsightRejectedError(`the LLM's insight was rejected twice: ${problem}`);
}

export async function writeInsight(ctx: Ctx, o: { taskId: number; agentId: number; matchId: number; teamId: number | null }, signal: AbortSignal) {
  const { db, ollama } = ctx.deps;
  const facts = await buildFacts(db, o.matchId);
  if (!facts) throw new NonRetryableError(`no match ${o.matchId}, or it has no teams yet`);
  let answer: InsightAnswer;
  let writtenBy: 'LLM' | 'TEMPLATE' = 'LLM';
  let why: string | undefined;
  if (!ollama) why = 'no LLM configured';
  else if (ollama.breakerOpen) why = 'LLM circuit open';
  if (why) {
    answer = templateInsight(facts);
    writtenBy = 'TEMPLATE';
  } else {
    try {
      answer = await askLlm(ctx, facts, signal);
    } catch (err) {
      // A rejected answer is the task's failure; an unavailable LLM is retried, then the template writes.
      if (err instanceof NonRetryableError || signal.aborted || !(ctx.finalAttempt || ollama!.breakerOpen)) throw err;
      why = `LLM unavailable: ${(err as Error).message.slice(0, 200)}`;
      answer = templateInsight(facts);
      writtenBy = 'TEMPLATE';
    }
  }
  // One insight per task: a retried attempt after the write finds it.
  const insight = await db.insight.upsert({
    where: { taskId: o.taskId },
    create: {
      agentId: o.agentId, taskId: o.taskId, matchId: o.matchId, teamId: o.teamId, title: answer.headline,
      body: [answer.summary, ...answer.key_factors.map((f) => `• ${f}`), answer.risk_note].filter(Boolean).join('\n'),
      facts: { ...facts, answer } as object, confidence: answer.confidence, model: writtenBy === 'LLM' ? ollama!.model : 'template', writtenBy,
    },
    update: {},
  });
  ctx.deps.agentMetrics.insights.inc({ writer: writtenBy.toLowerCase() });
  const view = insightView(insight);
  await ctx.deps.agentPublisher.publish('agentInsight', o.agentId, view);
  return { insightId: insight.id, writtenBy, ...(why ? { fallbackReason: why } : {}) };
}

export const insightView = (i: { id: number; agentId: number; taskId: number | null; matchId: number | null; teamId: number | null; title: string; body: string; facts: unknown; confidence: number; model: string | null; writtenBy: string; createdAt: Date }) => ({
  id: i.id, agentId: i.agentId, taskId: i.taskId, matchId: i.matchId, teamId: i.teamId, title: i.title, body: i.body, facts: i.facts,
  confidence: i.confidence, model: i.model, writtenBy: i.writtenBy, createdAt: i.createdAt.toISOString(),
});
