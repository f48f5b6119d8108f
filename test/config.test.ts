import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, settings } from '../src/config.js';

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

  it.each([
    ['PORT', 'abc'], ['PORT', '70000'], ['REDIS_URL', 'localhost:6379'], ['ROLE', 'boss'], ['LOG_LEVEL', 'loud'],
    ['CONCURRENCY', 'a=0'], ['SCHEDULES', 'a=sometimes'], ['SCHEDULES', 'a=99 * * * * *'], ['API_KEY', 'short'], ['QUEUE_PREFIX', 'a:b'],
  ])('rejects %s=%s naming the variable and its default', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`${name}`));
  });

  it('refuses production without an API key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(/API_KEY: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEY: 'a-production-key-of-some-length' }).API_KEY_GENERATED).toBe(false);
  });

  it('stops the process with exit code 2 and names the variable', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 20_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/PORT="abc"/);
    expect(res.stderr).toMatch(/default: 3000/);
  });

  it('is documented: the README lists every variable with its default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [name, [, def]] of Object.entries(settings)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, `README row for ${name}`).toBeDefined();
      if (def) expect(row).toContain(`\`${def}\``);
    }
  });
});
