// The soak's own Redis and PostgreSQL: it restarts them, so it never touches the machine's shared ones
// (other test runs use 127.0.0.1:6379 and :5432). Both live in a temporary directory on free ports.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

/**
 * redis-server with the append-only file on (appendfsync everysec), as production should run it: a
 * process crash (kill -9) loses nothing (every write reached the file before its reply), a machine crash
 * up to a second. RDB snapshots off.
 */
export class SoakRedis {
  private child?: ChildProcess;
  readonly url: string;
  constructor(private readonly dir: string, readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`;
    mkdirSync(dir, { recursive: true });
  }

  async start() {
    const child = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--logfile', join(this.dir, 'redis.log'), '--daemonize', 'no',
    ], { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await Promise.race([
      until('redis-server', () => this.ping(), 20_000),
      exited.then(() => { throw new Error(`redis-server exited at start:\n${this.logTail()}`); }),
    ]);
  }

  private async ping(): Promise<boolean> {
    const c = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    c.on('error', () => {});
    try {
      await c.connect();
      // Up means the append-only file is loaded too (LOADING errors until then).
      return (await c.ping()) === 'PONG';
    } finally {
      c.disconnect();
    }
  }

  /** kill -9: no shutdown of any kind. */
  async crash() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  logTail() {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  async stop() {
    await this.crash();
  }
}

/** Debian's PostgreSQL binaries (the newest major installed). */
function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!majors.length) throw new Error(`no PostgreSQL binaries under ${root} (apt-get install postgresql)`);
  return join(root, majors[0]!, 'bin');
}

/**
 * A PostgreSQL cluster of its own: initdb + pg_ctl in a temporary directory, run as the `postgres` OS user
 * (initdb refuses root), trust authentication on 127.0.0.1, fsync off (a restart here is a process
 * crash, not a power cut).
 */
export class SoakPostgres {
  private readonly bin = pgBin();
  private readonly data: string;
  private readonly sockets: string;
  constructor(private readonly dir: string, readonly port: number) {
    this.data = join(dir, 'data');
    this.sockets = join(dir, 'sockets');
  }

  url(database: string) {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private asPostgres(cmd: string, args: string[]) {
    const asRoot = process.getuid?.() === 0;
    return asRoot ? run('runuser', ['-u', 'postgres', '--', join(this.bin, cmd), ...args]) : run(join(this.bin, cmd), args);
  }

  async init() {
    for (const d of [this.dir, this.sockets]) mkdirSync(d, { recursive: true });
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: g } = await run('id', ['-g', 'postgres']);
      for (const d of [this.dir, this.sockets]) chownSync(d, Number(stdout.trim()), Number(g.trim()));
    }
    await this.asPostgres('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
    await this.start();
  }

  async start() {
    const opts = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.sockets} -c fsync=off -c max_connections=300 -c synchronous_commit=off`;
    await this.asPostgres('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'postgres.log'), '-o', opts, '-w', '-t', '60', 'start']);
  }

  /** Immediate shutdown: backends are killed without a checkpoint; the next start runs crash recovery. */
  async crash() {
    await this.asPostgres('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
  }

  logTail() {
    try {
      return readFileSync(join(this.dir, 'postgres.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  async stop() {
    await this.crash();
  }
}
