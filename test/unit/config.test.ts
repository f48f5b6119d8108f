import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, hashTag, loadConfig, settings } from '../../src/config.js';
import { redactCredentials } from '../../src/secrets.js';

describe('configuration', () => {
  it('has a documented default for every setting', () => {
    const c = loadConfig({});
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/matchday');
    expect(c.PORT).toBe(3000);
    expect(c.ROLE).toBe('all');
    expect(c.WORKER_QUEUES).toEqual([]);
    expect(c.QUEUE_PREFIX).toBe('matchday');
    expect(c.SHUTDOWN_TIMEOUT_MS).toBe(30_000);
    expect(c.API_KEY_GENERATED).toBe(true);
    expect(c.API_KEY.length).toBeGreaterThanOrEqual(32);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('parses lists and overrides', () => {
    const c = loadConfig({ WORKER_QUEUES: 'a, b', CONCURRENCY: 'a=8,b=2', SCHEDULES: 'a=off; b=*/5 * * * *; c=every:60000', QUEUE_PREFIX: '{matchday}' });
    expect(c.WORKER_QUEUES).toEqual(['a', 'b']);
    expect(c.CONCURRENCY).toEqual({ a: 8, b: 2 });
    expect(c.SCHEDULES).toEqual({ a: { off: true }, b: { pattern: '*/5 * * * *' }, c: { everyMs: 60000 } });
    expect(c.QUEUE_PREFIX).toBe('{matchday}');
  });

  it('parses the structured feed and prediction settings into their typed form', () => {
    const defaults = loadConfig({});
    expect(defaults.ESPN_LEAGUES).toEqual(['eng.1', 'esp.1', 'ger.1', 'ita.1', 'fra.1', 'uefa.champions']);
    expect(defaults.NEWS_FEEDS).toEqual(new Map([['bbc', 'https://feeds.bbci.co.uk/sport/football/rss.xml'], ['sky', 'https://www.skysports.com/rss/12040']]));
    expect(defaults.CONFIDENCE_CUTOFFS).toEqual([0.45, 0.6]);
    const c = loadConfig({ ESPN_LEAGUES: ' fifa.world, eng.1,,eng.1 ', NEWS_FEEDS: 'agg = http://127.0.0.1:9/feed.xml?a=b', CONFIDENCE_CUTOFFS: '.3,.7' });
    expect(c.ESPN_LEAGUES).toEqual(['fifa.world', 'eng.1']);
    expect(c.NEWS_FEEDS).toEqual(new Map([['agg', 'http://127.0.0.1:9/feed.xml?a=b']]));
    expect(c.CONFIDENCE_CUTOFFS).toEqual([0.3, 0.7]);
  });

  it.each([
    ['PORT', 'abc'], ['PORT', '70000'], ['REDIS_URL', 'localhost:6379'], ['ROLE', 'boss'], ['LOG_LEVEL', 'loud'],
    ['CONCURRENCY', 'a=0'], ['SCHEDULES', 'a=sometimes'], ['SCHEDULES', 'a=99 * * * * *'], ['API_KEY', 'short'], ['QUEUE_PREFIX', 'a:b'],
    ['ESPN_LEAGUES', 'eng.1,Premier League'], ['ESPN_LEAGUES', ' , '], ['NEWS_FEEDS', 'https://example.com/rss'], ['NEWS_FEEDS', 'bbc=ftp://example.com/rss'],
    ['NEWS_FEEDS', 'bbc=https://a.example/rss,bbc=https://b.example/rss'], ['NEWS_FEEDS', 'the bbc=https://a.example/rss'], ['CONFIDENCE_CUTOFFS', '0.60,0.45'], ['CONFIDENCE_CUTOFFS', '0.5'],
  ])('rejects %s=%s naming the variable and its default', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    const def = ((settings[name as keyof typeof settings][1] ?? 'none') || 'empty').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`^  ${name}\\b.*\\(default: ${def}\\)$`, 'm'));
  });

  it('names the problem of a structured setting', () => {
    const problem = (env: Record<string, string>) => () => loadConfig(env);
    expect(problem({ ESPN_LEAGUES: 'eng.1,Premier League' })).toThrowError(/ESPN_LEAGUES=.*"Premier League": not an ESPN league slug such as eng\.1/);
    expect(problem({ NEWS_FEEDS: 'bbc=https://a.example/rss,bbc=https://b.example/rss' })).toThrowError(/NEWS_FEEDS=.*"bbc" is named twice/);
    expect(problem({ NEWS_FEEDS: 'bbc=ftp://example.com/rss' })).toThrowError(/NEWS_FEEDS=.*: the URL must start with http:\/\/ or https:\/\//);
    expect(problem({ CONFIDENCE_CUTOFFS: '0.60,0.45' })).toThrowError(/CONFIDENCE_CUTOFFS="0.60,0.45": the first cut-off must be below the second \(default: 0.45,0.60\)/);
    expect(problem({ CONCURRENCY: 'a=0' })).toThrowError(/CONCURRENCY="a=0": "a=0" is not queue=<positive integer> \(default: empty\)/);
  });

  it('never echoes a password inside a URL or the API key in its errors', () => {
    let message = '';
    try {
      loadConfig({
        DATABASE_URL: 'mysql://app:db-pass-1234@db.internal/matchday', REDIS_URL: 'http://:redis-pass-5678@cache:6379',
        ML_SERVICE_URL: 'ml.internal//svc:ml-pass-9012@ml:8000', API_KEY: 'key-4567', NEWS_FEEDS: 'bbc=ftp://u:feed-pass@host/rss',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ML_SERVICE_URL', 'API_KEY', 'NEWS_FEEDS']) expect(message).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const secret of ['db-pass-1234', 'redis-pass-5678', 'ml-pass-9012', 'key-4567', 'feed-pass']) expect(message).not.toContain(secret);
    expect(message).toContain('DATABASE_URL="mysql://app:[REDACTED]@db.internal/matchday"');
    expect(message).toContain('REDIS_URL="http://:[REDACTED]@cache:6379"');
    expect(message).toContain('API_KEY (8 characters, not shown): must be at least 16 characters');
  });

  it.each([
    ['postgresql://user:s3cret@host/db', 'postgresql://user:[REDACTED]@host/db'],
    ['postgresql://postgres@127.0.0.1:5432/matchday', 'postgresql://postgres@127.0.0.1:5432/matchday'],
    ['redis://:pa/ss@wo@rd@host:6379/0', 'redis://:[REDACTED]@host:6379/0'],
    ['user:s3cret@host', 'user:[REDACTED]@host'],
    ['X="a=https://u:p1@h,b=https://v:p2@k" (default: none)', 'X="a=https://u:[REDACTED]@h,b=https://v:[REDACTED]@k" (default: none)'],
    ['every:60000 and a@b', 'every:60000 and a@b'],
  ])('redacts credentials in %s', (text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
  });

  it('refuses production without an API key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(/API_KEY: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEY: 'a-production-key-of-some-length' }).API_KEY_GENERATED).toBe(false);
  });

  it('stops the process at start-up with exit code 2, naming each variable, echoing no secret', () => {
    const env = {
      ...process.env, PORT: 'abc', NEWS_FEEDS: 'bbc', DATABASE_URL: 'mysql://app:db/pass-1234@db.internal/matchday',
      REDIS_URL: 'redis//app:redis-pass-5678@cache', ML_SERVICE_URL: 'ml://svc:ml-pass-9012@ml:8000', API_KEY: 'key-4567',
    };
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, encoding: 'utf8', timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/PORT="abc".*default: 3000/);
    expect(res.stderr).toMatch(/NEWS_FEEDS="bbc": "bbc" is not name=url \(default: bbc=https:/);
    expect(res.stderr).toContain('DATABASE_URL="mysql://app:[REDACTED]@db.internal/matchday"');
    expect(res.stderr).toContain('REDIS_URL="redis//app:[REDACTED]@cache"');
    expect(res.stderr).toContain('ML_SERVICE_URL="ml://svc:[REDACTED]@ml:8000"');
    expect(res.stderr).toMatch(/API_KEY \(8 characters, not shown\)/);
    for (const secret of ['pass-1234', 'redis-pass-5678', 'ml-pass-9012', 'key-4567']) expect(res.stderr + res.stdout).not.toContain(secret);
  });

  it('takes Redis Cluster seed nodes as host:port and refuses a cluster prefix without a hash tag', () => {
    const c = loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2.internal:7001,[::1]:7002 ', QUEUE_PREFIX: '{matchday}' });
    expect(c.REDIS_CLUSTER_NODES).toEqual([{ host: '10.0.0.1', port: 7000 }, { host: 'redis-2.internal', port: 7001 }, { host: '::1', port: 7002 }]);
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toEqual([]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'app{jobs}' }).QUEUE_PREFIX).toBe('app{jobs}');
    // Without a cluster, any prefix is fine (single Redis).
    expect(loadConfig({ QUEUE_PREFIX: 'matchday' }).QUEUE_PREFIX).toBe('matchday');
    for (const bad of ['127.0.0.1', '127.0.0.1:0', 'redis://a:7000', 'a:7000:1']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: bad, QUEUE_PREFIX: '{m}' })).toThrowError(/REDIS_CLUSTER_NODES=.* is not host:port \(default: empty\)/);
    }
    for (const prefix of ['matchday', '{}matchday', 'match}{day', '{']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: prefix })).toThrowError(/QUEUE_PREFIX=.*with REDIS_CLUSTER_NODES the prefix must be a Redis Cluster hash tag such as \{/);
    }
    expect(hashTag('{matchday}')).toBe('matchday');
    expect(hashTag('a{b}c{d}')).toBe('b');
    expect(hashTag('{}{b}')).toBeNull();
  });

  it('stops start-up with exit code 2 and says why when a cluster prefix has no hash tag', () => {
    const env = { ...process.env, REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', QUEUE_PREFIX: 'matchday' };
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, encoding: 'utf8', timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/QUEUE_PREFIX="matchday": with REDIS_CLUSTER_NODES the prefix must be a Redis Cluster hash tag such as \{matchday\}, so every key of the engine hashes to one slot/);
  });

  it('is documented: the README lists every variable with its default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, [, def]] of Object.entries(settings)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `README row for ${name}`).toBeDefined();
      if (def) expect(row).toContain(`\`${def}\``);
    }
  });
});
