// Live re-predictions: match events debounced per match (a burst → one prediction), and the queue is
// enqueueable by hand.
import { describe, expect, it } from 'vitest';
import { onMatchEvent } from '../../pipelines/_ml/on-match-event.js';
import { waitFor } from '../support/engine.js';
import { FakeMlService } from './fake-ml-service.js';
import { useMlEngine } from './fixture.js';
import { settled } from './support.js';

const DEBOUNCE_MS = 700;
const fake = new FakeMlService();
const ml = useMlEngine({ fake, env: { PREDICT_DEBOUNCE_MS: String(DEBOUNCE_MS) }, seed: { slug: 'ere', upcoming: 4 } });

const queue = () => ml.engine.producer.queue('ml-repredict-match');
const calledWith = (matchId: number) => fake.calls('/predictions/batch-predict').filter((r) => r.body.match_ids.includes(String(matchId)));

describe('live re-predictions', () => {
  it('turns a burst of events for one match into one prediction, after the quiet period', async () => {
    const [m1, m2] = ml.league.upcomingIds as [number, number];
    const started = Date.now();
    await onMatchEvent({ matchId: m1, kind: 'kick-off' }, ml.engine.deps);
    await new Promise((r) => setTimeout(r, 150));
    await onMatchEvent({ matchId: m1, kind: 'goal' }, ml.engine.deps);
    await onMatchEvent({ matchId: m2, kind: 'goal' }, ml.engine.deps);
    await new Promise((r) => setTimeout(r, 150));
    await onMatchEvent({ matchId: m1, kind: 'red-card' }, ml.engine.deps);
    const lastEvent = Date.now();

    await waitFor(async () => (await queue().getJobCounts('completed')).completed === 2, 10_000, 'two re-predictions');
    await new Promise((r) => setTimeout(r, DEBOUNCE_MS + 300)); // nothing else may follow
    const done = await queue().getJobs(['completed']);
    expect(done).toHaveLength(2);
    const first = done.find((j) => j.data.matchId === m1)!;
    // The last event's payload wins, and it ran only after the quiet period following it.
    expect(first.data).toEqual({ matchId: m1, kind: 'red-card' });
    expect(first.processedOn! - lastEvent).toBeGreaterThanOrEqual(DEBOUNCE_MS - 50);
    expect(first.processedOn! - started).toBeGreaterThanOrEqual(DEBOUNCE_MS + 250);
    expect(calledWith(m1)).toHaveLength(1);
    expect(calledWith(m2)).toHaveLength(1);
    const rows = await ml.engine.db.prediction.findMany({ where: { matchId: m1 } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.runKey).toBe(String(first.id));
    expect(await queue().getJobCounts('delayed', 'waiting', 'active', 'failed')).toEqual({ delayed: 0, waiting: 0, active: 0, failed: 0 });
  });

  it('a later event, after the previous re-prediction ran, makes a new prediction (history kept)', async () => {
    const m1 = ml.league.upcomingIds[0]!;
    await onMatchEvent({ matchId: m1, kind: 'goal' }, ml.engine.deps);
    await waitFor(async () => (await ml.engine.db.prediction.count({ where: { matchId: m1 } })) === 2, 10_000, 'a second prediction');
    expect(calledWith(m1)).toHaveLength(2);
  });

  it('runs at once when enqueued by hand', async () => {
    const m3 = ml.league.upcomingIds[2]!;
    const res = await ml.engine.request('POST', '/jobs/ml-repredict-match', { body: { matchId: m3, kind: 'manual' } });
    expect(res.status).toBe(202);
    const job = await settled(ml.engine, 'ml-repredict-match', res.body.id);
    expect(job.result).toMatchObject({ matchId: m3, counts: { predicted: 1, failed: 0, skipped: 0 } });
    expect(job.timestamps.delayedUntil).toBeNull();
  });
});
