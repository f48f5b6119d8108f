// Match change events reach re-prediction: goals, red cards and kick-offs re-predict the match
// (debounced per match); other changes do not.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPipelineDeps } from '../src/app/deps.js';
import { queues } from '../queues/index.js';
import { matchEvents } from '../queues/match-events.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { startTestEngine, waitFor, type TestEngine } from './support/engine.js';

let engine: TestEngine;
let db: Awaited<ReturnType<typeof cloneTestDatabase>>;

beforeAll(async () => {
  db = await cloneTestDatabase();
  engine = await startTestEngine({ databaseUrl: db.url, prefix: uniquePrefix(), queues, extendDeps: createPipelineDeps, env: { WORKER_QUEUES: 'match-events', SCHEDULES_ENABLED: 'false', PREDICT_DEBOUNCE_MS: '30000' } });
});
afterAll(async () => {
  await engine?.stop();
  await db?.drop();
});

const event = (eventId: string, matchId: number, kind: string) => ({ eventId, matchId, kind, eventKey: `${kind}:${eventId}`, status: 'FIRST_HALF', homeScore: 1, awayScore: 0 });

it('re-predicts a match once for a burst of goals and cards, and not for a half-time', async () => {
  for (const [id, kind] of [['1', 'kick-off'], ['2', 'goal'], ['3', 'red-card']] as const) {
    await engine.producer.enqueue(matchEvents, event(id, 41, kind), { jobId: `match-event-${id}` });
  }
  await engine.producer.enqueue(matchEvents, event('4', 42, 'half-time'), { jobId: 'match-event-4' });
  const q = engine.producer.queue('match-events');
  await waitFor(async () => (await q.getJobCounts('completed')).completed === 4, 10_000, 'events consumed');
  const repredict = await engine.producer.queue('ml-repredict-match').getJobs(['delayed', 'waiting']);
  expect(repredict).toHaveLength(1);
  expect(repredict[0]!.data).toMatchObject({ matchId: 41 });
  expect(repredict[0]!.opts.delay).toBe(30_000);
});
