// The predict bench's baseline, measured in the same run: the same chunks through a bare BullMQ flow
// (a parent with one child per chunk, plain Workers), the same fake ML service, and one raw multi-row
// INSERT per chunk into the same predictions table with `pg`. Same bounds as the engine: `concurrency`
// calls in flight (an in-process semaphore: one process, so no shared slots needed) and twice that many
// chunk jobs at once, so chunks store while others call. No validation, no retries, no bookkeeping:
// what the engine adds on top of this is its own cost.
import { FlowProducer, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pLimit from 'p-limit';
import pg from 'pg';
import { Pool } from 'undici';
import { REDIS_URL, retention } from './support.js';

const COLUMNS = ['match_id', 'model_version_id', 'run_key', 'p_home', 'p_draw', 'p_away', 'xg_home', 'xg_away', 'predicted_outcome', 'confidence', 'confidence_level', 'most_likely_home', 'most_likely_away'];
const opts = { removeOnComplete: { count: retention.completed.count }, removeOnFail: { count: retention.failed.count } };

interface Chunk { ids: number[]; runKey: string }
interface Answer { match_id: string; probabilities: { home: number; draw: number; away: number }; expected_goals: { home: number; away: number }; predicted_outcome: string; confidence: number; confidence_level: string; most_likely_score: { home: number; away: number } }

export async function startBareFlow(o: { prefix: string; databaseUrl: string; mlUrl: string; chunk: number; concurrency: number; modelVersionId: number }) {
  const connections = [0, 1, 2].map(() => new Redis(REDIS_URL, { maxRetriesPerRequest: null }));
  const db = new pg.Pool({ connectionString: o.databaseUrl, max: 10 });
  const ml = new Pool(o.mlUrl, { connections: o.concurrency });
  const calls = pLimit(o.concurrency);

  async function predict(job: Job<Chunk>): Promise<number> {
    const answer = await calls(async () => {
      const res = await ml.request({ method: 'POST', path: '/predictions/batch-predict', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match_ids: job.data.ids.map(String) }) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`fake ML service answered ${res.statusCode}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as { predictions: Answer[] };
    });
    const params: unknown[] = [];
    const rows = answer.predictions.map((p) => {
      params.push(Number(p.match_id), o.modelVersionId, job.data.runKey, p.probabilities.home, p.probabilities.draw, p.probabilities.away, p.expected_goals.home, p.expected_goals.away,
        p.predicted_outcome, p.confidence, p.confidence_level, p.most_likely_score.home, p.most_likely_score.away);
      const at = params.length - COLUMNS.length;
      return `(${COLUMNS.map((_, k) => `$${at + k + 1}`).join(', ')})`;
    });
    const { rowCount } = await db.query(`INSERT INTO predictions (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (match_id, model_version_id, run_key) DO NOTHING`, params);
    return rowCount ?? 0;
  }

  const chunks = new Worker<Chunk, number>('bare-chunk', predict, { connection: connections[0]!, prefix: o.prefix, concurrency: 2 * o.concurrency });
  const parents = new Worker('bare-batch', async (job) => Object.values(await job.getChildrenValues<number>()).reduce((a, b) => a + b, 0), { connection: connections[1]!, prefix: o.prefix });
  const flows = new FlowProducer({ connection: connections[2]!, prefix: o.prefix });
  await Promise.all([chunks.waitUntilReady(), parents.waitUntilReady()]);

  return {
    /** One batch: select the matches, add the flow, wait for the parent. Returns seconds and stored rows. */
    async run(competitionSlug: string, from: string, to: string, runKey: string): Promise<{ seconds: number; stored: number }> {
      const t = performance.now();
      const { rows } = await db.query<{ id: number }>(
        `SELECT m.id FROM matches m JOIN competitions c ON c.id = m.competition_id
         WHERE c.slug = $1 AND m.kickoff >= $2 AND m.kickoff < $3 AND m.home_team_id IS NOT NULL AND m.away_team_id IS NOT NULL ORDER BY m.kickoff, m.id`,
        [competitionSlug, from.slice(0, -1), to.slice(0, -1)],
      );
      const children = [];
      for (let i = 0; i < rows.length; i += o.chunk) children.push({ name: 'chunk', queueName: 'bare-chunk', data: { ids: rows.slice(i, i + o.chunk).map((r) => r.id), runKey }, opts });
      const finished = new Promise<number>((resolve, reject) => {
        const ok = (job: Job, value: number) => job.data.runKey === runKey && (off(), resolve(value));
        const bad = (job: Job | undefined, err: Error) => (off(), reject(new Error(`bare flow: ${job?.queueName} job failed: ${err.message}`)));
        const off = () => { parents.off('completed', ok); parents.off('failed', bad); chunks.off('failed', bad); };
        parents.on('completed', ok);
        parents.on('failed', bad);
        chunks.on('failed', bad);
      });
      await flows.add({ name: 'batch', queueName: 'bare-batch', data: { runKey }, opts, children });
      const predicted = await finished;
      const seconds = (performance.now() - t) / 1000;
      const stored = Number((await db.query('SELECT count(*) AS n FROM predictions WHERE run_key = $1', [runKey])).rows[0].n);
      if (predicted !== stored) throw new Error(`bare flow: the chunks report ${predicted} predictions, PostgreSQL holds ${stored}`);
      return { seconds, stored };
    },
    async close() {
      await Promise.all([chunks.close(), parents.close(), flows.close()]);
      await Promise.all([db.end(), ml.close()]);
      for (const c of connections) c.disconnect();
    },
  };
}
