// Secrets an upstream echoes back (issue #9, item 17): the upstream client scrubs them from everything it
// puts in an error, once, so they reach neither the job's failure reason (Bull Board), nor the dead
// letter, nor the logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSecrets, headerSecrets, REDACTED, Redactor } from '../src/secrets.js';
import { loadConfig } from '../src/config.js';
import { fastMlQueues, settled, startMlEngine, type MlTestEngine } from './ml/support.js';
import { cloneTestDatabase, uniquePrefix } from './support/db.js';
import { TEST_API_KEY } from './support/engine.js';
import { FakeUpstream } from './support/fake-upstream.js';

const TOKEN = 'ml-token-7f3a9c1e5b2d4068';
const OTHER = 'echo-secret-4b1d9e7a2c';
const echo = (req: { headers: Record<string, unknown> }) => `rejected credentials: ${String(req.headers.authorization)}`;

describe('redactor', () => {
  it('scrubs before it cuts, so a secret across the cut leaves nothing behind', () => {
    const r = new Redactor(['abcdefghijkl', 'short']);
    const text = `${'x'.repeat(295)}abcdefghijkl and more`;
    const cut = r.cut(text, 300);
    expect(cut).toHaveLength(300);
    expect(cut).not.toContain('abcde');
    expect(cut.endsWith(REDACTED.slice(0, 5))).toBe(true);
    // Values under 8 characters are not secrets worth mangling every message for.
    expect(r.scrub('short and abcdefghijkl')).toBe(`short and ${REDACTED}`);
  });

  it('finds the secrets among the settings and the credentials among headers', () => {
    const config = loadConfig({
      API_KEY: TEST_API_KEY, ML_SERVICE_TOKEN: TOKEN, DATABASE_URL: 'postgresql://app:p%40ss-word-9@db:5432/matchday', NODE_ENV: 'test',
      NEWS_FEEDS: 'bbc=https://feeds.example/rss,paid=https://reader:feed-pass-3141@paid.example/rss',
    });
    // NEWS_FEEDS is parsed into a map: the password inside one of its URLs is found all the same.
    expect(configSecrets(config)).toEqual(expect.arrayContaining([TEST_API_KEY, TOKEN, 'p%40ss-word-9', 'p@ss-word-9', 'feed-pass-3141']));
    expect(headerSecrets({ authorization: `Bearer ${TOKEN}`, 'x-request-id': 'not-a-secret-1234' })).toEqual([`Bearer ${TOKEN}`, TOKEN]);
    const basic = headerSecrets({ authorization: `Basic ${Buffer.from('user:hunter2-pass').toString('base64')}` });
    expect(basic).toContain('hunter2-pass');
  });
});

describe('an upstream that echoes credentials', () => {
  const fake = new FakeUpstream();
  let engine: MlTestEngine;
  let db: Awaited<ReturnType<typeof cloneTestDatabase>>;

  beforeAll(async () => {
    fake.route('/models/train', { status: 500, body: (req) => JSON.stringify({ detail: echo(req) }) });
    fake.route('/echo-401', { status: 401, body: (req) => echo(req) });
    fake.route('/echo-api-key', { status: 503, body: () => `bad key ${TEST_API_KEY}` });
    fake.route('/echo-long', { status: 500, body: (req) => `${'.'.repeat(290)}${String(req.headers.authorization)}` });
    fake.route('/echo-not-json', { status: 200, contentType: 'text/plain', body: (req) => String(req.headers.authorization) });
    await fake.start();
    db = await cloneTestDatabase();
    engine = await startMlEngine({
      databaseUrl: db.url, prefix: uniquePrefix(), env: { ML_SERVICE_URL: fake.url, ML_SERVICE_TOKEN: TOKEN },
      queues: fastMlQueues({ 'ml-retrain': { attempts: 2 } }),
    });
  });
  afterAll(async () => {
    await engine?.stop();
    await fake.stop();
    await db?.drop();
  });

  it('keeps the ML service token out of the failure reason, the dead letter and the logs', async () => {
    const { body } = await engine.request('POST', '/jobs/ml-retrain', { body: { reason: 'manual' } });
    const job = await settled(engine, 'ml-retrain', body.id, 20_000);
    expect(job.state).toBe('failed');
    // The service did get the token, and did echo it.
    expect(fake.requests.filter((r) => r.path === '/models/train').map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);

    expect(job.failedReason).toContain(`rejected credentials: ${REDACTED}`);
    expect(job.failedReason).not.toContain(TOKEN);
    const stored = await engine.producer.queue('ml-retrain').getJob(body.id);
    expect(stored!.stacktrace!.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored!.stacktrace)).not.toContain(TOKEN); // Bull Board shows these

    const letters = await engine.request('GET', '/dead-letters?queue=ml-retrain');
    expect(letters.body.items).toHaveLength(1);
    expect(letters.body.items[0].error).toContain(REDACTED);
    const row = await engine.db.deadLetter.findFirstOrThrow({ where: { queue: 'ml-retrain' } });
    expect(`${row.error}\n${row.stack}`).not.toContain(TOKEN);
    const runs = await engine.db.pipelineRun.findMany({ where: { queue: 'ml-retrain' } });
    expect(runs.map((r) => r.error).join('\n')).not.toContain(TOKEN);

    const logs = engine.logs.join('');
    expect(logs).toContain('job failed for good');
    expect(logs).toContain(REDACTED);
    expect(logs).not.toContain(TOKEN);
  });

  it('scrubs every error the client builds from an answer: 4xx, 5xx, a cut body, malformed JSON', async () => {
    const client = engine.deps.upstream({ name: 'echo', baseUrl: fake.url, headers: { authorization: `Bearer ${OTHER}` } });
    const failure = (path: string) => client.get(path).then((res) => res.json()).then(() => expect.fail(`${path} succeeded`), (err: Error) => `${err.message}\n${err.stack}`);
    for (const path of ['/echo-401', '/echo-long', '/echo-not-json']) {
      const text = await failure(path);
      expect(text, path).not.toContain(OTHER.slice(0, 6));
    }
    expect(await failure('/echo-401')).toContain(`rejected credentials: ${REDACTED}`);
    // The engine's own secrets too, though no upstream is sent them.
    const key = await failure('/echo-api-key');
    expect(key).toContain(`bad key ${REDACTED}`);
    expect(key).not.toContain(TEST_API_KEY);
  });
});
