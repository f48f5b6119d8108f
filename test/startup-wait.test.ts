// Start-up with Redis down: a real engine process says, at warn level and every few seconds, that it waits
// for Redis and where (never the password), and starts by itself once Redis answers.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cloneTestDatabase, uniquePrefix, type TestDatabase } from './support/db.js';
import { TEST_API_KEY } from './support/engine.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { TEST_REDIS_URL } from './support/services.js';

const PASSWORD = 's3cret-redis-pw';
const redis = new URL(TEST_REDIS_URL);
const proxy = new TcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
let db: TestDatabase;

beforeAll(async () => {
  db = await cloneTestDatabase();
});
afterAll(async () => {
  await proxy.stop();
  await db?.drop();
});

/** A port nothing listens on (yet): the proxy takes it later, as Redis coming up. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('warns every few seconds what it waits for while Redis is down, then starts once Redis answers', async () => {
  const port = await closedPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/replica.ts'], {
    env: {
      ...process.env, NODE_ENV: 'test', API_KEY: TEST_API_KEY, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SCHEDULES_ENABLED: 'false',
      // Redis ignores a password it does not require (ioredis warns), so the real server stands in for one that does.
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}`, DATABASE_URL: db.url, QUEUE_PREFIX: uniquePrefix(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output: string[] = [];
  child.stderr!.on('data', (c) => output.push(String(c)));
  const lines: Array<{ at: number; entry: Record<string, any> }> = [];
  const spawnedAt = Date.now();
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output.push(`${line}\n`);
    try {
      lines.push({ at: Date.now(), entry: JSON.parse(line) });
    } catch {
      return; // not a log line
    }
    for (const w of waiters.splice(0)) w();
  });
  const next = async (what: string, match: (e: Record<string, any>) => boolean, count: number, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.filter((l) => match(l.entry));
      if (found.length >= count) return found;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${what} after ${timeoutMs} ms:\n${output.join('')}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  try {
    const waiting = (e: Record<string, any>) => e.level === 40 && e.msg === `start-up is waiting for Redis at 127.0.0.1:${port}`;
    const [first, second] = await next('second waiting line', waiting, 2, 40_000);
    // The first within ~6 s of the process starting (tsx and the database take a moment), then every ~5 s.
    // (Bounded loosely: starting tsx alone takes over 10 s on a loaded 2-core machine.)
    expect(first!.at - spawnedAt).toBeLessThan(30_000);
    expect(second!.at - first!.at).toBeGreaterThan(4_000);
    expect(second!.at - first!.at).toBeLessThan(10_000);
    expect(first!.entry).toMatchObject({ waitingFor: 'redis', address: `127.0.0.1:${port}` });
    expect(first!.entry.lastError).toMatch(/ECONNREFUSED/);
    expect(lines.some((l) => /started/.test(l.entry.msg))).toBe(false);

    await proxy.start(port);
    // ioredis retries with a back-off of at most 5 s.
    const [started] = await next('start-up', (e) => e.msg === 'matchday engine started', 1, 15_000);
    expect(started!.entry.level).toBe(30);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.filter((l) => l.at > started!.at && waiting(l.entry))).toHaveLength(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL'); // never leave a process behind
      await exited;
    }
  }
  expect(output.join('')).not.toContain(PASSWORD);
}, 60_000);
